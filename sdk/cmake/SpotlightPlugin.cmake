# spotlight_add_plugin(<target> SOURCES <files...> [LINK_LIBRARIES <libs...>] [OUTPUT_DIRECTORY <dir>])
#
# Builds a Spotlight plugin: a shared module linked against the SDK, with hidden
# visibility and a linker version script that exports only the plugin entry point, so two
# plugins can never clash on a symbol. The file is <target>.so.


function(spotlight_add_plugin target)
  set(_SPOTLIGHT_PLUGIN_MAP "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/spotlight_plugin.map")
  cmake_parse_arguments(PLUGIN "" "OUTPUT_DIRECTORY" "SOURCES;LINK_LIBRARIES" ${ARGN})
  if(NOT PLUGIN_SOURCES)
    message(FATAL_ERROR "spotlight_add_plugin(${target}): SOURCES is required")
  endif()
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${target} PRIVATE SpotlightSDK::sdk ${PLUGIN_LINK_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    DEFINE_SYMBOL ""
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    # Installed next to the host (lib/spotlight/plugins), the SDK library is two levels up.
    INSTALL_RPATH "$ORIGIN/../.."
    LINK_DEPENDS "${_SPOTLIGHT_PLUGIN_MAP}")
  target_link_options(${target} PRIVATE "-Wl,--version-script=${_SPOTLIGHT_PLUGIN_MAP}")
  if(PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${PLUGIN_OUTPUT_DIRECTORY}")
  endif()
  if(COMMAND spotlight_use_pch)
    spotlight_use_pch(${target})
  endif()
endfunction()

# spotlight_vector_loop_sources(<files...>)
#
# Sources whose hot loops call spotlight/sdk/vector_math.h (or take a square root): compiled
# without errno and without trapping floating-point math, so that GCC turns the activations'
# branches into blends and vectorises those loops for AVX2 too (AVX-512's masked instructions
# need neither). Nothing in Spotlight reads errno or the floating-point exception flags. Keep
# LibTorch out of these files: the flags would not match the shared precompiled header.
function(spotlight_vector_loop_sources)
  set_property(SOURCE ${ARGN} APPEND PROPERTY COMPILE_OPTIONS -fno-math-errno -fno-trapping-math)
endfunction()
