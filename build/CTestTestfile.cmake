# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
subdirs("domain")
subdirs("store")
subdirs("projections")
subdirs("server")
subdirs("cli")
subdirs("tests")
subdirs("bench")
