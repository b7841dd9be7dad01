// Copyright 2026 The hoop Authors.

// Command pgproxy is a PostgreSQL proxy over hoop: policy verdicts, masked
// results and reviews, one goroutine per direction.
//
//	pgproxy -listen 127.0.0.1:6432 -upstream 127.0.0.1:5432 \
//	    -policy examples/demo/policy.yaml -resource shop -user agent-7 \
//	    -kind non_human
//
// Held commands print `review <id> <statement>`; type `approve <id>` or
// `deny <id>` on stdin, or let -review-timeout deny them.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	hoop "github.com/hoophq/libhoop/bindings/go"
)

var (
	listen   = flag.String("listen", "127.0.0.1:6432", "address to accept on")
	upstream = flag.String("upstream", "127.0.0.1:5432", "the PostgreSQL server")
	policyF  = flag.String("policy", "", "policy file (YAML or JSON)")
	resource = flag.String("resource", "", "the connection's name in the policy")
	user     = flag.String("user", "", "who is on the client side")
	kind     = flag.String("kind", "person", "person or non_human")
	groups   = flag.String("groups", "", "comma-separated groups")
	timeout  = flag.Float64("review-timeout", 300, "seconds, then held commands are denied")

	base  hoop.SessionOptions // what every session is made from
	mu    sync.Mutex          // guards conns
	conns = map[*conn]bool{}
)

// conn serialises every call on its session, and the writes of that call's
// output, under one lock: a Session is used by one goroutine at a time, and
// the order of writes must be the order of outputs.
type conn struct {
	sync.Mutex
	s              *hoop.Session
	client, server net.Conn
}

func (c *conn) apply(out *hoop.Output, err error) {
	if err != nil {
		log.Print(err)
		return
	}
	toServer, toClient := net.Buffers(out.ToServer), net.Buffers(out.ToClient)
	toServer.WriteTo(c.server) // one writev each
	toClient.WriteTo(c.client)
	for _, e := range out.Events {
		switch e.Kind {
		case hoop.EventApprovalRequested:
			fmt.Printf("review %s %s\n", e.RequestID, e.Text)
		case hoop.EventCommand:
			fmt.Printf("command %s %s: %s\n", e.Decision, e.RuleID, e.Text)
		case hoop.EventError:
			fmt.Printf("error: %s\n", e.Text)
		}
	}
	if out.Close {
		c.client.Close()
		c.server.Close()
	}
}

func (c *conn) pump(dir hoop.Direction, from net.Conn) {
	buf := make([]byte, 64<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			c.Lock()
			c.apply(c.s.Feed(dir, buf[:n])) // written before buf is reused
			c.Unlock()
		}
		if err != nil {
			return
		}
	}
}

func handle(client net.Conn, id int) {
	defer client.Close()
	server, err := net.Dial("tcp", *upstream)
	if err != nil {
		log.Printf("upstream: %v", err)
		return
	}
	defer server.Close()
	o := base // policy, masker, identity: shared by every session
	o.SessionID = fmt.Sprintf("pgproxy-%d", id)
	s, err := hoop.NewPostgresSession(o)
	if err != nil {
		log.Print(err)
		return
	}
	c := &conn{s: s, client: client, server: server}
	mu.Lock()
	conns[c] = true
	mu.Unlock()
	done := make(chan hoop.EndReason, 2)
	go func() { c.pump(hoop.ClientToServer, client); done <- hoop.EndClientClosed }()
	go func() { c.pump(hoop.ServerToClient, server); done <- hoop.EndServerClosed }()
	ticker := time.NewTicker(100 * time.Millisecond) // expires timed-out reviews
	defer ticker.Stop()
	for reason := hoop.EndReason(0); reason == 0; {
		select {
		case reason = <-done:
		case <-ticker.C:
		}
		c.Lock()
		if reason != 0 {
			c.apply(s.Finish(reason, "closed"))
		} else if d, held := s.NextDeadline(); held && !d.After(time.Now()) {
			c.apply(s.Tick())
		}
		c.Unlock()
	}
	mu.Lock()
	delete(conns, c)
	mu.Unlock()
	client.Close() // stops the other pump, then the session can go
	server.Close()
	<-done
	s.Close()
}

func admin() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		verb, id, _ := strings.Cut(strings.TrimSpace(in.Text()), " ")
		mu.Lock()
		for c := range conns {
			c.Lock()
			for _, held := range c.s.HeldRequests() {
				if held == id {
					c.apply(c.s.Resolve(id, verb == "approve", "pgproxy-admin", "from stdin"))
				}
			}
			c.Unlock()
		}
		mu.Unlock()
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func main() {
	flag.Parse()
	policy, err := hoop.LoadPolicyFile(*policyF)
	check(err)
	masker, err := hoop.DefaultMasker()
	check(err)
	k, err := hoop.ParseIdentityKind(*kind)
	check(err)
	var gs []string
	if *groups != "" {
		gs = strings.Split(*groups, ",")
	}
	identity, err := hoop.NewIdentity(hoop.IdentityFields{Subject: *user, Kind: k, Groups: gs})
	check(err)
	base = hoop.SessionOptions{Policy: policy, Masker: masker, Identity: identity,
		Profiles: map[string]*hoop.Masker{"default": masker}, // rules name it
		Resource: *resource, ReviewTimeout: time.Duration(*timeout * float64(time.Second))}
	ln, err := net.Listen("tcp", *listen)
	check(err)
	fmt.Printf("listening on %s (hoop %s)\n", ln.Addr(), hoop.Version())
	go admin()
	for id := 1; ; id++ {
		client, err := ln.Accept()
		check(err)
		go handle(client, id)
	}
}
