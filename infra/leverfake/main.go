// Command leverfake serves the fake Lever (shared/lever/leverfake) over HTTP
// for the local stack and manual testing.
//
//	leverfake -addr 127.0.0.1:8765
//
// The address comes from -addr, else LEVERFAKE_ADDR, else 127.0.0.1:8765.
// Unless -empty is given, one demo account is seeded (a super admin, a
// recruiter, a deactivated user and postings in every state). Point
// leverlink's Lever endpoints at the printed URLs; drive faults, rate limits
// and accounts through the JSON admin surface under /_admin/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "leverfake:", err)
		os.Exit(1)
	}
}

func run() error {
	def := os.Getenv("LEVERFAKE_ADDR")
	if def == "" {
		def = "127.0.0.1:8765"
	}
	addr := flag.String("addr", def, "listen address (env LEVERFAKE_ADDR)")
	clientID := flag.String("client-id", leverfake.DefaultClientID, "OAuth client id")
	clientSecret := flag.String("client-secret", leverfake.DefaultClientSecret, "OAuth client secret")
	hireBase := flag.String("hire-base", "https://hire.lever.co", "base of opportunity urls.show")
	seed := flag.Uint64("seed", 1, "RNG seed for faults and ids")
	noRate := flag.Bool("no-rate-limit", false, "disable the 10 req/s burst 20 token bucket")
	empty := flag.Bool("empty", false, "do not seed a demo account")
	regionAddr := flag.String("region-addr", "", "also listen here as a second Lever data center; accounts homed there with PUT /_admin/accounts/{id}/home are redirected (307) to it")
	flag.Parse()

	f := leverfake.New(leverfake.Options{
		ClientID: *clientID, ClientSecret: *clientSecret, HireBase: *hireBase,
		Seed: *seed, NoRateLimit: *noRate,
	})
	if !*empty {
		leverfake.SeedDemo(f)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	ep := leverfake.EndpointsAt(base)
	fmt.Printf("leverfake listening on %s\n  authorize %s\n  token     %s\n  api       %s\n  audience  %s\n  admin     %s/_admin/\n  client_id %s\n",
		base, ep.AuthURL, ep.TokenURL, ep.APIBase, ep.Audience, base, *clientID)
	for _, a := range f.Accounts() {
		fmt.Printf("  account   %s %q admin user %s\n", a.ID, a.Name, a.AdminID())
	}

	srv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if *regionAddr != "" {
		rln, err := net.Listen("tcp", *regionAddr)
		if err != nil {
			return err
		}
		rsrv := &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
		fmt.Printf("  region    http://%s (second data center)\n", rln.Addr())
		go func() { errc <- rsrv.Serve(rln) }()
		defer rsrv.Close()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
