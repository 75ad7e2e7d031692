// regsrv: go-containerregistry's in-memory registry (pkg/registry) with the OCI 1.1 referrers API switched on,
// for tests. Usage: regsrv 127.0.0.1:PORT (port 0 picks a free one). Prints the bound address (host:port) on
// stdout once it is listening, so a test can start it on a random port without racing for one.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: regsrv HOST:PORT")
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(listener.Addr().String())
	// Request logs go to stderr only when asked; by default the registry is silent.
	logs := io.Discard
	if os.Getenv("REGSRV_LOG") != "" {
		logs = os.Stderr
	}
	handler := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(logs, "", log.LstdFlags)))
	log.Fatal(http.Serve(listener, handler))
}
