# Shared compile settings for every hoop target.

set(HOOP_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wcast-align -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(HOOP_WERROR)
  list(APPEND HOOP_WARNINGS -Werror)
endif()

if(HOOP_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# hoop_add_library(NAME <short> SOURCES ... DEPS ...)
# Makes hoop_<short> with alias hoop::<short>, public include dir include/,
# private include dir lib/, and the project's warnings.
function(hoop_add_library)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target hoop_${A_NAME})
  add_library(${target} STATIC ${A_SOURCES})
  add_library(hoop::${A_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${A_NAME}
                        OUTPUT_NAME hoop_${A_NAME})
  target_include_directories(${target}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
           $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/lib ${PROJECT_SOURCE_DIR})
  target_compile_features(${target} PUBLIC cxx_std_17)
  target_compile_options(${target} PRIVATE ${HOOP_WARNINGS})
  target_link_libraries(${target} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
  set_property(GLOBAL APPEND PROPERTY HOOP_LIBRARIES ${target})
endfunction()

# hoop_add_test(NAME <name> SOURCES ... DEPS ... [LABELS ...])
function(hoop_add_test)
  cmake_parse_arguments(A "" "NAME" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${A_NAME} ${A_SOURCES})
  target_include_directories(${A_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/lib
                             ${PROJECT_SOURCE_DIR})
  target_compile_options(${A_NAME} PRIVATE ${HOOP_WARNINGS})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest_main GTest::gmock)
  target_compile_definitions(${A_NAME} PRIVATE
    HOOP_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    HOOP_CORPORA_DIR="${PROJECT_SOURCE_DIR}/../shared/corpora")
  add_test(NAME ${A_NAME} COMMAND ${A_NAME})
  if(A_LABELS)
    set_tests_properties(${A_NAME} PROPERTIES LABELS "${A_LABELS}")
  endif()
endfunction()
