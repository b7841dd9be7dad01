// Copyright 2026 The hoop Authors.

package hoop_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	hoop "github.com/hoophq/libhoop/bindings/go"
)

const denyMessage = "no schema changes from agents"

var policyYAML = `version: hoop.policy/v1
name: unit
rules:
  - id: agents-read
    subjects: [{kinds: [non_human]}]
    resources: {names: [shop]}
    sql: {effects: [read]}
    verdict: allow
  - id: no-ddl
    sql: {effects: [ddl]}
    verdict: deny
    message: ` + denyMessage + `
  - id: writes-reviewed
    resources: {names: [shop]}
    sql: {effects: [write]}
    verdict: review
    review: {approver_groups: [dba]}
`

const email = "ana.silva@example.com"

// must returns v, or panics with err (which fails the test that called it).
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVersion(t *testing.T) {
	if hoop.Version() != hoop.BindingVersion {
		t.Errorf("Version() = %q, binding %q", hoop.Version(), hoop.BindingVersion)
	}
	if hoop.VersionNumber() != hoop.HeaderVersionNumber {
		t.Errorf("VersionNumber() = %d, header %d", hoop.VersionNumber(), hoop.HeaderVersionNumber)
	}
}

func TestPolicy(t *testing.T) {
	p := must(hoop.LoadPolicy([]byte(policyYAML), "unit.yaml"))
	if p.Name() != "unit" || p.RuleCount() != 3 {
		t.Errorf("name %q, %d rules", p.Name(), p.RuleCount())
	}
	p.Close()
	p.Close() // idempotent

	_, err := hoop.LoadPolicy([]byte(strings.Replace(policyYAML, "verdict: deny", "verdict: maybe", 1)), "bad.yaml")
	var e *hoop.Error
	if !errors.As(err, &e) || e.Code != hoop.InvalidArgument {
		t.Fatalf("bad policy: %v", err)
	}
	if !errors.Is(err, hoop.ErrInvalidArgument) || hoop.CodeOf(err) != hoop.InvalidArgument {
		t.Errorf("errors.Is/CodeOf: %v", err)
	}
	if !strings.HasPrefix(e.Message, "bad.yaml:") || !strings.Contains(e.Message, "maybe") {
		t.Errorf("message does not name the place: %q", e.Message)
	}
	if !strings.Contains(err.Error(), "INVALID_ARGUMENT") {
		t.Errorf("Error() = %q", err.Error())
	}

	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(policyYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if must(hoop.LoadPolicyFile(path)).RuleCount() != 3 {
		t.Error("from file")
	}
	if _, err := hoop.LoadPolicyFile("/nonexistent/policy.yaml"); !errors.Is(err, hoop.ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
}

func TestMasker(t *testing.T) {
	m := must(hoop.DefaultMasker())
	defer m.Close()
	out := must(m.Mask([]byte("write to "+email+" today"), "", ""))
	if string(out) != "write to [EMAIL] today" {
		t.Errorf("masked: %q", out)
	}
	// Nothing matched: the very same slice comes back.
	in := []byte("nothing sensitive in here")
	same := must(m.Mask(in, "note", "text"))
	if &same[0] != &in[0] || len(same) != len(in) {
		t.Error("an unchanged value must be returned as is")
	}
	if b := must(m.MaskBuffer(in)); &b[0] != &in[0] {
		t.Error("MaskBuffer: an unchanged buffer must be returned as is")
	}
	names := m.CounterNames()
	if n := len(names); n < 3 || !strings.Contains(strings.Join(names, " "), "EMAIL") ||
		names[n-2] != "COLUMN_RULE" || names[n-1] != "FAIL_CLOSED" {
		t.Errorf("counter names %v", names)
	}

	// Concurrent use of one masker.
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v := fmt.Sprintf("u%d.%d@example.com", g, i)
				if got, err := m.Mask([]byte(v), "", ""); err != nil || string(got) != "[EMAIL]" {
					t.Errorf("%s -> %q, %v", v, got, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestMaskerProfileAndStream(t *testing.T) {
	m := must(hoop.LoadMasker([]byte(`name: cols
all_builtins: true
columns:
  - name: '^secret$'
    action: MASK
    method: {kind: REDACT, token: "[HIDDEN]"}
`), "cols.yaml"))
	if got := must(m.Mask([]byte("open sesame"), "secret", "text")); string(got) != "[HIDDEN]" {
		t.Errorf("column rule: %q", got)
	}
	_, err := hoop.LoadMasker([]byte("name: x\ndetector: []\n"), "p.yaml")
	if !errors.Is(err, hoop.ErrInvalidArgument) || !strings.Contains(err.Error(), "p.yaml:2:") {
		t.Errorf("bad profile: %v", err)
	}
	if _, err := hoop.LoadMaskerFile("/nonexistent.yaml"); !errors.Is(err, hoop.ErrNotFound) {
		t.Errorf("missing profile: %v", err)
	}

	d := must(hoop.DefaultMasker())
	s := must(hoop.NewStreamMasker(d))
	defer s.Close()
	text := []byte("contact " + email + " now")
	var got []byte
	for i := 0; i < len(text); i += 3 {
		end := i + 3
		if end > len(text) {
			end = len(text)
		}
		got = append(got, must(s.Write(text[i:end]))...)
	}
	got = append(got, must(s.Finish())...)
	if string(got) != "contact [EMAIL] now" {
		t.Errorf("stream: %q", got)
	}
}

func TestIdentityFromFields(t *testing.T) {
	id := must(hoop.NewIdentity(hoop.IdentityFields{Subject: "agent-7", Email: "ops@example.com",
		Groups: []string{"dba", "ops"}, Kind: hoop.NonHuman}))
	defer id.Close()
	if id.Subject() != "agent-7" || id.Email() != "ops@example.com" || id.Kind() != hoop.NonHuman ||
		!reflect.DeepEqual(id.Groups(), []string{"dba", "ops"}) || id.Issuer() != "" {
		t.Errorf("identity: %q %q %v %v", id.Subject(), id.Email(), id.Kind(), id.Groups())
	}
	if _, ok := id.Expires(); ok {
		t.Error("an identity from fields does not expire")
	}
	if _, err := hoop.ParseIdentityKind("robot"); !errors.Is(err, hoop.ErrInvalidArgument) {
		t.Errorf("ParseIdentityKind: %v", err)
	}
}

const issuer, audience = "https://idp.example.com", "hoop-gateway"

// mint signs an EdDSA ID token and returns it with the JWKS that verifies it.
func mint(t *testing.T, claims map[string]any) (string, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := must(json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "OKP", "crv": "Ed25519", "kid": "k1", "use": "sig", "alg": "EdDSA", "x": b64(pub)}}}))
	now := time.Now().Unix()
	body := map[string]any{"iss": issuer, "aud": audience, "sub": "u-123", "email": "ana@example.com",
		"groups": []string{"dba"}, "iat": now, "exp": now + 300}
	for k, v := range claims {
		body[k] = v
	}
	head := b64(must(json.Marshal(map[string]string{"alg": "EdDSA", "kid": "k1", "typ": "JWT"})))
	input := head + "." + b64(must(json.Marshal(body)))
	return input + "." + b64(ed25519.Sign(priv, []byte(input))), jwks
}

func TestIdentityFromToken(t *testing.T) {
	exp := time.Now().Unix() + 600
	token, jwks := mint(t, map[string]any{"exp": exp})
	id := must(hoop.NewIdentityFromToken(token, jwks, issuer, audience))
	defer id.Close()
	if id.Subject() != "u-123" || id.Email() != "ana@example.com" || id.Issuer() != issuer ||
		!reflect.DeepEqual(id.Groups(), []string{"dba"}) {
		t.Errorf("identity: %q %q %q %v", id.Subject(), id.Email(), id.Issuer(), id.Groups())
	}
	if e, ok := id.Expires(); !ok || e.Unix() != exp {
		t.Errorf("expires %v %v", e, ok)
	}

	parts := strings.Split(token, ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(
		fmt.Sprintf(`{"iss":%q,"aud":%q,"sub":"admin","exp":%d}`, issuer, audience, exp)))
	cases := []struct {
		name, token, audience, want string
		jwks                        []byte
	}{
		{"forged claims", parts[0] + "." + forged + "." + parts[2], audience, "bad_signature", jwks},
		{"wrong audience", token, "other", "wrong_audience", jwks},
	}
	expired, jwks2 := mint(t, map[string]any{"exp": time.Now().Unix() - 3600})
	cases = append(cases, struct {
		name, token, audience, want string
		jwks                        []byte
	}{"expired", expired, audience, "expired", jwks2})
	for _, c := range cases {
		_, err := hoop.NewIdentityFromToken(c.token, c.jwks, issuer, c.audience)
		if !errors.Is(err, hoop.ErrUnauthenticated) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := hoop.NewIdentityFromToken(token, []byte("{not json"), issuer, audience); !errors.Is(err, hoop.ErrInvalidArgument) {
		t.Errorf("bad JWKS: %v", err)
	}
}

type fixture struct {
	policy *hoop.Policy
	masker *hoop.Masker
	agent  *hoop.Identity
}

func newFixture(t *testing.T) *fixture {
	return &fixture{
		policy: must(hoop.LoadPolicy([]byte(policyYAML), "")),
		masker: must(hoop.DefaultMasker()),
		agent:  must(hoop.NewIdentity(hoop.IdentityFields{Subject: "agent-7", Kind: hoop.NonHuman})),
	}
}

// session makes a session and passes the startup through it.
func (f *fixture) session(t *testing.T, edit func(*hoop.SessionOptions)) *hoop.Session {
	t.Helper()
	o := hoop.SessionOptions{SessionID: "go-unit", Policy: f.policy, Identity: f.agent,
		Resource: "shop", Masker: f.masker}
	if edit != nil {
		edit(&o)
	}
	s := must(hoop.NewPostgresSession(o))
	t.Cleanup(func() { s.Close() })
	out := must(s.Feed(hoop.ClientToServer, startup()))
	if !bytes.Equal(join(out.ToServer), startup()) {
		t.Fatalf("startup not forwarded: %q", join(out.ToServer))
	}
	if len(out.Events) == 0 || out.Events[0].Kind != hoop.EventStartup || !strings.Contains(out.Events[0].Text, "user=app") {
		t.Fatalf("startup events %+v", out.Events)
	}
	hello := append(authOK(), ready()...)
	out = must(s.Feed(hoop.ServerToClient, hello))
	if !bytes.Equal(join(out.ToClient), hello) {
		t.Fatalf("hello not forwarded")
	}
	return s
}

func eventsOf(out *hoop.Output, kind hoop.EventKind) []hoop.Event {
	var es []hoop.Event
	for _, e := range out.Events {
		if e.Kind == kind {
			es = append(es, e)
		}
	}
	return es
}

func TestSessionAllowedQueryIsForwarded(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, nil)
	q := query("SELECT id, email FROM customers")
	buf := append([]byte(nil), q...)
	out := must(s.Feed(hoop.ClientToServer, buf))
	for i := range buf {
		buf[i] = 'x' // the library copied it: the output must not change
	}
	if !bytes.Equal(join(out.ToServer), q) || len(out.ToClient) != 0 || out.Close {
		t.Fatalf("output %+v", out)
	}
	cmd := eventsOf(out, hoop.EventCommand)
	if len(cmd) != 1 || cmd[0].Decision != hoop.Allow || cmd[0].RuleID != "agents-read" {
		t.Errorf("command events %+v", cmd)
	}
	if st := s.Stats(); st.Allowed != 1 || st.Commands != 1 {
		t.Errorf("stats %+v", st)
	}
	// Outputs are Go memory: later calls do not change an earlier one.
	for i := 0; i < 3; i++ {
		must(s.Feed(hoop.ClientToServer, query(fmt.Sprintf("SELECT %d", i))))
		must(s.Feed(hoop.ServerToClient, append(commandComplete("SELECT 1"), ready()...)))
	}
	if !bytes.Equal(join(out.ToServer), q) || out.Events[0].RuleID != "agents-read" {
		t.Error("an earlier output changed")
	}
}

func TestSessionDeniedQueryGetsErrorAndReadyForQuery(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, nil)
	out := must(s.Feed(hoop.ClientToServer, query("DROP TABLE customers")))
	if len(out.ToServer) != 0 {
		t.Fatalf("a denied statement reached the server: %q", join(out.ToServer))
	}
	ms := must(split(join(out.ToClient)))
	if tags(ms) != "EZ" {
		t.Fatalf("reply %q", tags(ms))
	}
	fs := fields(ms[0].body)
	if fs['S'] != "ERROR" || fs['V'] != "ERROR" || fs['C'] != "42501" || fs['M'] != denyMessage ||
		!strings.Contains(fs['D'], "no-ddl") {
		t.Errorf("ErrorResponse fields %q", fs)
	}
	if string(ms[1].body) != "I" {
		t.Errorf("ReadyForQuery status %q", ms[1].body)
	}
	cmd := eventsOf(out, hoop.EventCommand)
	if len(cmd) != 1 || cmd[0].Decision != hoop.Deny || cmd[0].RuleID != "no-ddl" {
		t.Errorf("command events %+v", cmd)
	}
	// The connection goes on.
	q := query("SELECT 1")
	if out := must(s.Feed(hoop.ClientToServer, q)); !bytes.Equal(join(out.ToServer), q) {
		t.Error("the next statement was not forwarded")
	}
}

func TestSessionMasksDataRows(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, nil)
	must(s.Feed(hoop.ClientToServer, query("SELECT name, email FROM customers")))
	var result []byte
	for _, m := range [][]byte{rowDescription("name", "email"), dataRow("Ana", email),
		dataRow("Bo", "no address"), commandComplete("SELECT 2"), ready()} {
		result = append(result, m...)
	}
	out := must(s.Feed(hoop.ServerToClient, result))
	data := join(out.ToClient)
	if bytes.Contains(data, []byte(email)) {
		t.Fatal("the email left unmasked")
	}
	ms := must(split(data))
	if tags(ms) != "TDDCZ" {
		t.Fatalf("messages %q", tags(ms))
	}
	if got := cells(ms[1].body); !reflect.DeepEqual(got, []string{"Ana", "[EMAIL]"}) {
		t.Errorf("row 1 %q", got)
	}
	if got := cells(ms[2].body); !reflect.DeepEqual(got, []string{"Bo", "no address"}) {
		t.Errorf("row 2 %q", got)
	}
	if st := s.Stats(); st.Rows != 2 || st.RowsRewritten != 1 || st.CellsMasked != 1 {
		t.Errorf("stats %+v", st)
	}
	if r := eventsOf(out, hoop.EventResult); len(r) != 1 || r[0].Rows != 2 {
		t.Errorf("result events %+v", r)
	}
}

func TestSessionReviewApprove(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, nil)
	update := query("UPDATE customers SET name = 'x' WHERE id = 1")
	out := must(s.Feed(hoop.ClientToServer, update))
	if len(out.ToServer) != 0 {
		t.Fatal("a reviewed statement was forwarded before approval")
	}
	req := eventsOf(out, hoop.EventApprovalRequested)
	if len(req) != 1 || req[0].RequestID == "" {
		t.Fatalf("approval events %+v", out.Events)
	}
	rid := req[0].RequestID
	if held := s.HeldRequests(); !reflect.DeepEqual(held, []string{rid}) {
		t.Errorf("held %v", held)
	}
	notice := must(split(join(out.ToClient)))
	if len(notice) == 0 || notice[0].tag != 'N' || !strings.Contains(fields(notice[0].body)['M'], rid) {
		t.Errorf("notice %q", join(out.ToClient))
	}
	later := query("SELECT 1")
	if out := must(s.Feed(hoop.ClientToServer, later)); len(out.ToServer) != 0 {
		t.Error("pipelined behind a held command: must be held too")
	}
	if _, err := s.Resolve("no-such-request", true, "", ""); !errors.Is(err, hoop.ErrNotFound) {
		t.Errorf("resolve unknown: %v", err)
	}
	out = must(s.Resolve(rid, true, "dba@example.com", "ticket OPS-1"))
	if !bytes.Equal(join(out.ToServer), append(append([]byte(nil), update...), later...)) {
		t.Errorf("approved: to server %q", join(out.ToServer))
	}
	res := eventsOf(out, hoop.EventApprovalResolved)
	if len(res) != 1 || res[0].Resolution != hoop.Approve || res[0].RequestID != rid {
		t.Errorf("resolved events %+v", res)
	}
	if len(s.HeldRequests()) != 0 {
		t.Error("still held")
	}
}

func TestSessionReviewDenyAndExpire(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, func(o *hoop.SessionOptions) { o.ReviewTimeout = 50 * time.Millisecond })
	out := must(s.Feed(hoop.ClientToServer, query("DELETE FROM customers")))
	rid := eventsOf(out, hoop.EventApprovalRequested)[0].RequestID
	out = must(s.Resolve(rid, false, "dba", "no"))
	ms := must(split(join(out.ToClient)))
	if len(out.ToServer) != 0 || tags(ms) != "EZ" || fields(ms[0].body)['C'] != "42501" {
		t.Errorf("denied review: %q to client, %d slices to server", tags(ms), len(out.ToServer))
	}

	must(s.Feed(hoop.ClientToServer, query("DELETE FROM customers")))
	d, ok := s.NextDeadline()
	if !ok || time.Until(d) > time.Second {
		t.Fatalf("deadline %v %v", d, ok)
	}
	time.Sleep(time.Until(d) + 10*time.Millisecond)
	out = must(s.Tick())
	res := eventsOf(out, hoop.EventApprovalResolved)
	if len(res) != 1 || res[0].Resolution != hoop.Expire {
		t.Fatalf("tick events %+v", out.Events)
	}
	if ms := must(split(join(out.ToClient))); tags(ms) != "EZ" {
		t.Errorf("expired reply %q", tags(ms))
	}
	if _, ok := s.NextDeadline(); ok {
		t.Error("nothing is held any more")
	}
}

func TestSessionFinishAndClose(t *testing.T) {
	f := newFixture(t)
	s := f.session(t, nil)
	must(s.Feed(hoop.ClientToServer, query("UPDATE customers SET name = 'y'")))
	out := must(s.Finish(hoop.EndClientClosed, "bye"))
	if res := eventsOf(out, hoop.EventApprovalResolved); len(res) != 1 || res[0].Resolution != hoop.Cancel {
		t.Errorf("finish events %+v", out.Events)
	}
	if _, err := s.Feed(hoop.ClientToServer, query("SELECT 1")); !errors.Is(err, hoop.ErrFailedPrecondition) {
		t.Errorf("feed after finish: %v", err)
	}
	must(s.Finish(hoop.EndClientClosed, "")) // a no-op
	s.Close()
	s.Close()
	if _, err := s.Feed(hoop.ClientToServer, nil); err != hoop.ErrClosed {
		t.Errorf("feed after close: %v", err)
	}
	if _, err := hoop.NewPostgresSession(hoop.SessionOptions{Policy: f.policy}); !errors.Is(err, hoop.ErrInvalidArgument) {
		t.Errorf("no session id: %v", err)
	}
}

func TestRecorders(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var records [][]byte
	rec := must(hoop.NewCallbackRecorder(func(r []byte) error {
		mu.Lock()
		defer mu.Unlock()
		records = append(records, r)
		return nil
	}))
	s := f.session(t, func(o *hoop.SessionOptions) { o.Recorder = rec; o.SessionID = "go-rec" })
	rec.Close() // the session keeps what it needs
	must(s.Feed(hoop.ClientToServer, query("DROP TABLE customers")))
	must(s.Finish(hoop.EndClientClosed, ""))
	mu.Lock()
	n := len(records)
	all := bytes.Join(records, nil)
	mu.Unlock()
	if n < 3 || !bytes.Contains(all, []byte("DROP TABLE customers")) {
		t.Errorf("%d records", n)
	}
	s.Close()

	dir := t.TempDir()
	drec := must(hoop.NewDirRecorder(dir))
	defer drec.Close()
	s = f.session(t, func(o *hoop.SessionOptions) { o.Recorder = drec; o.SessionID = "go-dir" })
	must(s.Feed(hoop.ClientToServer, query("SELECT 1")))
	must(s.Finish(hoop.EndClientClosed, ""))
	if st, err := os.Stat(filepath.Join(dir, "go-dir.hooprec")); err != nil || st.Size() == 0 {
		t.Errorf("record file: %v", err)
	}

	// A failing callback fails the session closed.
	bad := must(hoop.NewCallbackRecorder(func([]byte) error { return errors.New("disk full") }))
	defer bad.Close()
	if err := bad.SetQueueCapacity(0); err != nil {
		t.Fatal(err)
	}
	s2 := must(hoop.NewPostgresSession(hoop.SessionOptions{SessionID: "go-fail", Policy: f.policy,
		Identity: f.agent, Resource: "shop", Recorder: bad}))
	defer s2.Close()
	out := must(s2.Feed(hoop.ClientToServer, startup()))
	if !out.Close {
		t.Errorf("a failed recorder must close the session: %+v", out)
	}
}

// BenchmarkSessionRoundTrip: one small query through a session (client
// Query, then the server's RowDescription, one DataRow, CommandComplete and
// ReadyForQuery), binding overhead included; the row has an email to mask,
// or nothing to mask.
//
//	go test -run - -bench . -benchmem
func BenchmarkSessionRoundTrip(b *testing.B) {
	for _, c := range []struct{ name, cell string }{{"masked", email}, {"clean", "no address"}} {
		b.Run(c.name, func(b *testing.B) {
			policy := must(hoop.LoadPolicy([]byte(policyYAML), ""))
			masker := must(hoop.DefaultMasker())
			agent := must(hoop.NewIdentity(hoop.IdentityFields{Subject: "agent-7", Kind: hoop.NonHuman}))
			s := must(hoop.NewPostgresSession(hoop.SessionOptions{SessionID: "bench", Policy: policy,
				Identity: agent, Resource: "shop", Masker: masker, StartNormal: true}))
			defer s.Close()
			q := query("SELECT name, email FROM customers WHERE id = 1")
			var result []byte
			for _, m := range [][]byte{rowDescription("name", "email"), dataRow("Ana", c.cell),
				commandComplete("SELECT 1"), ready()} {
				result = append(result, m...)
			}
			b.SetBytes(int64(len(q) + len(result)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if out, err := s.Feed(hoop.ClientToServer, q); err != nil || len(out.ToServer) == 0 {
					b.Fatal(err)
				}
				if out, err := s.Feed(hoop.ServerToClient, result); err != nil || len(out.ToClient) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}
