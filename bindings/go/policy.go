// Copyright 2026 The hoop Authors.

package hoop

/*
#include <stdlib.h>
#include "hoop/hoop.h"
*/
import "C"

import "runtime"

// Policy is a compiled policy document (YAML or JSON; the schema is
// proto/hoop/policy/v1/policy.proto). Immutable: share one among any number
// of sessions and goroutines. Sessions keep their own reference, so a
// Policy may be closed while they run.
type Policy struct {
	h *C.hoop_policy
}

func newPolicy(h *C.hoop_policy) *Policy {
	p := &Policy{h: h}
	runtime.SetFinalizer(p, (*Policy).Close)
	return p
}

// LoadPolicy compiles a document; source names it in error messages ("" is
// "<policy>"). Errors: InvalidArgument "<source>:<line>:<column>: <field>:
// <what>".
func LoadPolicy(document []byte, source string) (*Policy, error) {
	text, n := cBytes(document)
	var src *C.char
	if source != "" {
		src = cString(source)
		defer free(src)
	}
	var h *C.hoop_policy
	var e *C.hoop_error
	if err := check(C.hoop_policy_new_from_text(text, n, src, &h, &e), e); err != nil {
		return nil, err
	}
	return newPolicy(h), nil
}

// LoadPolicyFile compiles the document in a file. Errors: NotFound when it
// cannot be read; as LoadPolicy.
func LoadPolicyFile(path string) (*Policy, error) {
	p := cString(path)
	defer free(p)
	var h *C.hoop_policy
	var e *C.hoop_error
	if err := check(C.hoop_policy_new_from_file(p, &h, &e), e); err != nil {
		return nil, err
	}
	return newPolicy(h), nil
}

// Name returns the document's name ("" if none).
func (p *Policy) Name() string {
	if p.h == nil {
		return ""
	}
	defer runtime.KeepAlive(p)
	return C.GoString(C.hoop_policy_name(p.h))
}

// RuleCount returns the number of rules.
func (p *Policy) RuleCount() int {
	if p.h == nil {
		return 0
	}
	defer runtime.KeepAlive(p)
	return int(C.hoop_policy_rule_count(p.h))
}

// Close frees the handle. Idempotent.
func (p *Policy) Close() error {
	if p.h != nil {
		C.hoop_policy_free(p.h)
		p.h = nil
		runtime.SetFinalizer(p, nil)
	}
	return nil
}
