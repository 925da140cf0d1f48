# One precompiled header shared by every target that includes LibTorch.
# Targets opt in with spotlight_use_pch(<target>) (a no-op when SPOTLIGHT_PCH is OFF) and
# mark their torch-free sources with spotlight_torch_free_sources().
# The heavy part of a LibTorch translation unit is parsing its headers (15-24 s each on
# this machine); reusing one .gch halves an incremental rebuild of a plugin.
if(SPOTLIGHT_PCH)
  add_library(spotlight_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cpp)
  target_link_libraries(spotlight_pch PRIVATE torch nlohmann_json::nlohmann_json)
  set_target_properties(spotlight_pch PROPERTIES DEFINE_SYMBOL "")
  target_precompile_headers(spotlight_pch PRIVATE
    <torch/torch.h>
    <nlohmann/json.hpp>
    <vector> <string> <memory> <unordered_map> <map> <functional>)
endif()

# Sources that include no LibTorch header skip the shared header: loading the 600 MB .gch
# costs ~10 s, while such a file compiles in under a second on its own.
function(spotlight_torch_free_sources)
  set_source_files_properties(${ARGN} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()

function(spotlight_use_pch target)
  if(SPOTLIGHT_PCH)
    target_precompile_headers(${target} REUSE_FROM spotlight_pch)
    # GCC refuses a .gch built with -fPIC in a -fPIE compile (and silently parses the
    # header text instead: 30 s a file). Executables compile with -fPIC too; they still
    # link as position-independent executables.
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "EXECUTABLE")
      set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
      target_compile_options(${target} PRIVATE -fPIC)
    endif()
  endif()
endfunction()
