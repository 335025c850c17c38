# The model harnesses (included by tests/fuzz/CMakeLists.txt; same pattern as its readers):
#   keras_config  the Keras model_config JSON on raw bytes (empty weights file)
#   keras_model   load_model() on a whole file: Keras .h5, .keras archive, native ANN
#   native        read_native() on an HDF5 file
#   snn           read_snn() on a converted network
# Normal build: fuzz_replay_<name> replays regressions/<name>/ and corpus/<name>/ in CTest.
# -DBRISK_FUZZ=ON with clang: also fuzz_<name>, the libFuzzer binaries.
include_guard(GLOBAL)
set(brisk_fuzz_models keras_config keras_model native snn)
set(fuzz_model_dir ${CMAKE_CURRENT_LIST_DIR})
foreach(reader IN LISTS brisk_fuzz_models)
  add_executable(fuzz_replay_${reader} ${fuzz_model_dir}/replay.cpp ${fuzz_model_dir}/fuzz_${reader}.cpp
                 ${fuzz_model_dir}/model_file.hpp)
  target_link_libraries(fuzz_replay_${reader} PRIVATE brisk::conversion brisk_hdf5io brisk_options)
  brisk_test_internal_headers(fuzz_replay_${reader} brisk_conversion)
  set(inputs ${fuzz_model_dir}/regressions/${reader} ${fuzz_model_dir}/corpus/${reader})
  if(NOT reader STREQUAL "keras_config")  # whole files: also the import fixtures and bad models
    list(APPEND inputs ${PROJECT_BINARY_DIR}/tests/import/fixtures ${PROJECT_BINARY_DIR}/tests/import/malformed/files)
  endif()
  add_test(NAME fuzz_replay_${reader} COMMAND fuzz_replay_${reader} ${inputs})
  set_tests_properties(fuzz_replay_${reader} PROPERTIES
    FIXTURES_REQUIRED "import_fixtures;malformed_models" TIMEOUT 300
    # libhdf5's own leaks on crafted files are not brisk's (tests/fuzz/lsan-libhdf5.supp)
    ENVIRONMENT "LSAN_OPTIONS=suppressions=${fuzz_model_dir}/lsan-libhdf5.supp")
  if(BRISK_FUZZ)
    add_executable(fuzz_${reader} ${fuzz_model_dir}/fuzz_${reader}.cpp ${fuzz_model_dir}/model_file.hpp)
    target_link_libraries(fuzz_${reader} PRIVATE brisk::conversion brisk_hdf5io brisk_options)
    brisk_test_internal_headers(fuzz_${reader} brisk_conversion)
    target_link_options(fuzz_${reader} PRIVATE -fsanitize=fuzzer)
  endif()
endforeach()
