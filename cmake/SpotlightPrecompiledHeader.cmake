# One precompiled header shared by every target that includes LibTorch.
# Targets opt in with spotlight_use_pch(<target>); it is a no-op when SPOTLIGHT_PCH is OFF.
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

function(spotlight_use_pch target)
  if(SPOTLIGHT_PCH)
    target_precompile_headers(${target} REUSE_FROM spotlight_pch)
  endif()
endfunction()
