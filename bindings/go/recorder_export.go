// Copyright 2026 The hoop Authors.

package hoop

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// hoopGoRecordWrite is the C API's write callback of a callback recorder
// (see recorder.go): user points at the cgo.Handle of a *recordSink.
//
//export hoopGoRecordWrite
func hoopGoRecordWrite(user unsafe.Pointer, framed *C.uint8_t, n C.size_t) C.int {
	sink := cgo.Handle(*(*C.uintptr_t)(user)).Value().(*recordSink)
	// A copy: framed is valid only during the call; the callee may keep it.
	if err := sink.write(C.GoBytes(unsafe.Pointer(framed), C.int(n))); err != nil {
		return 1
	}
	return 0
}
