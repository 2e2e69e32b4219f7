# ctest runs each doctest case by name through a CMake list: a ';' in a name
# splits it, and the case then silently runs nowhere. Refuse such names.
file(GLOB_RECURSE sources ${SOURCE_DIR}/*.cpp)
set(bad "")
foreach(source ${sources})
  file(STRINGS ${source} lines REGEX "TEST_CASE\\(\"[^\"]*;")
  if(lines)
    list(APPEND bad "${source}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "test case names with ';' never run under ctest: ${bad}")
endif()
