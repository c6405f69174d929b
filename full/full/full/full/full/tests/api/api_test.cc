// SPDX-License-Identifier: MIT
// tests/api/api_test.cc: the same API test compiled as C++, so the public
// headers stay usable from C++ programs.
#include "api_test.c"
