/*
 * testutil.h - shared includes for the cmocka unit tests.
 *
 * cmocka needs <stdarg.h>, <stddef.h>, <stdint.h> and <setjmp.h> before its
 * own header; every test includes this file first.
 */
#ifndef OSH_TESTUTIL_H
#define OSH_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#endif
