// Copyright 2026 The hoop Authors.

package hoop_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Just enough PostgreSQL v3 framing to script a session in the tests.

func msg(tag byte, body []byte) []byte {
	out := []byte{tag, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(len(body)+4))
	return append(out, body...)
}

func cstr(s string) []byte { return append([]byte(s), 0) }

func startup() []byte {
	body := binary.BigEndian.AppendUint32(nil, 196608)
	for _, kv := range [][2]string{{"user", "app"}, {"database", "shop"}, {"application_name", "go-test"}} {
		body = append(append(body, cstr(kv[0])...), cstr(kv[1])...)
	}
	body = append(body, 0)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
}

func query(sql string) []byte { return msg('Q', cstr(sql)) }
func authOK() []byte          { return msg('R', []byte{0, 0, 0, 0}) }
func ready() []byte           { return msg('Z', []byte{'I'}) }

func rowDescription(columns ...string) []byte {
	body := binary.BigEndian.AppendUint16(nil, uint16(len(columns)))
	for _, c := range columns {
		body = append(body, cstr(c)...)
		body = binary.BigEndian.AppendUint32(body, 0)  // table oid
		body = binary.BigEndian.AppendUint16(body, 0)  // attnum
		body = binary.BigEndian.AppendUint32(body, 25) // text
		body = binary.BigEndian.AppendUint16(body, 0xffff)
		body = binary.BigEndian.AppendUint32(body, 0xffffffff)
		body = binary.BigEndian.AppendUint16(body, 0) // text format
	}
	return msg('T', body)
}

func dataRow(cells ...string) []byte {
	body := binary.BigEndian.AppendUint16(nil, uint16(len(cells)))
	for _, c := range cells {
		body = binary.BigEndian.AppendUint32(body, uint32(len(c)))
		body = append(body, c...)
	}
	return msg('D', body)
}

func commandComplete(tag string) []byte { return msg('C', cstr(tag)) }

type message struct {
	tag  byte
	body []byte
}

func split(data []byte) ([]message, error) {
	var out []message
	for len(data) > 0 {
		if len(data) < 5 {
			return nil, fmt.Errorf("truncated header")
		}
		n := int(binary.BigEndian.Uint32(data[1:5]))
		if n < 4 || len(data) < 1+n {
			return nil, fmt.Errorf("truncated message")
		}
		out = append(out, message{data[0], data[5 : 1+n]})
		data = data[1+n:]
	}
	return out, nil
}

func tags(ms []message) string {
	var b []byte
	for _, m := range ms {
		b = append(b, m.tag)
	}
	return string(b)
}

// fields of an ErrorResponse / NoticeResponse body.
func fields(body []byte) map[byte]string {
	out := map[byte]string{}
	for _, part := range bytes.Split(body, []byte{0}) {
		if len(part) > 0 {
			out[part[0]] = string(part[1:])
		}
	}
	return out
}

func cells(body []byte) []string {
	n := int(binary.BigEndian.Uint16(body))
	body = body[2:]
	var out []string
	for i := 0; i < n; i++ {
		l := int(int32(binary.BigEndian.Uint32(body)))
		body = body[4:]
		if l < 0 {
			out = append(out, "<NULL>")
			continue
		}
		out = append(out, string(body[:l]))
		body = body[l:]
	}
	return out
}

func join(parts [][]byte) []byte { return bytes.Join(parts, nil) }
