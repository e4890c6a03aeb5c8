# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/tests/event_codec_test[1]_include.cmake")
include("/work/main/build/tests/time_test[1]_include.cmake")
include("/work/main/build/tests/blob_store_test[1]_include.cmake")
include("/work/main/build/tests/crash_test[1]_include.cmake")
include("/work/main/build/tests/event_log_test[1]_include.cmake")
include("/work/main/build/tests/fault_injection_test[1]_include.cmake")
include("/work/main/build/tests/merkle_test[1]_include.cmake")
include("/work/main/build/tests/tree_head_test[1]_include.cmake")
include("/work/main/build/tests/verify_test[1]_include.cmake")
