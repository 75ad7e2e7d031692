// regsrv: go-containerregistry's in-memory registry (pkg/registry) with the OCI 1.1 referrers API switched on,
// for tests. Usage: regsrv [-ggcr-listing] HOST:PORT (port 0 picks a free one). Prints the bound address
// (host:port) on stdout once it is listening, so a test can start it on a random port without racing for one.
//
// pkg/registry (0.20.7) lists referrers with artifactType = the config mediaType, no annotations, no
// artifactType filter, in random order, and sends no OCI-Subject header. By default a thin layer completes that
// as distribution-spec 1.1 says and registries like zot do: artifactType from the manifest's artifactType
// (else its config mediaType), the manifest's annotations copied, `?artifactType=` filtering with
// OCI-Filters-Applied, descriptors sorted by digest, OCI-Subject on a manifest PUT with a subject.
// -ggcr-listing serves pkg/registry's own answers unchanged.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	ggcrListing := flag.Bool("ggcr-listing", false, "serve pkg/registry's referrers listing unchanged")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: regsrv [-ggcr-listing] HOST:PORT")
		os.Exit(2)
	}
	listener, err := net.Listen("tcp", flag.Arg(0))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(listener.Addr().String())
	// Request logs go to stderr only when asked; by default the registry is silent.
	logs := io.Discard
	if os.Getenv("REGSRV_LOG") != "" {
		logs = os.Stderr
	}
	var handler http.Handler = registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(logs, "", log.LstdFlags)))
	if !*ggcrListing {
		handler = specReferrers{handler}
	}
	log.Fatal(http.Serve(listener, handler))
}

type specReferrers struct{ inner http.Handler }

type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// The parts of a manifest a referrers listing reports.
type referrer struct {
	ArtifactType string                     `json:"artifactType"`
	Config       struct{ MediaType string } `json:"config"`
	Annotations  map[string]string          `json:"annotations"`
	Subject      *struct{ Digest string }   `json:"subject"`
}

// /v2/<name>/referrers/<digest> → <name>, or "" for any other path.
func referrersRepo(path string) string {
	parts := strings.Split(strings.TrimPrefix(path, "/v2/"), "/")
	if len(parts) < 3 || parts[len(parts)-2] != "referrers" || !strings.HasPrefix(path, "/v2/") {
		return ""
	}
	return strings.Join(parts[:len(parts)-2], "/")
}

func (s specReferrers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if repo := referrersRepo(r.URL.Path); repo != "" && r.Method == http.MethodGet {
		s.listReferrers(w, r, repo)
		return
	}
	if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/") {
		s.putManifest(w, r)
		return
	}
	s.inner.ServeHTTP(w, r)
}

func (s specReferrers) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.inner.ServeHTTP(rec, r)
	return rec
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func (s specReferrers) listReferrers(w http.ResponseWriter, r *http.Request, repo string) {
	rec := s.serve(r)
	var list index
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		copyResponse(w, rec)
		return
	}
	wanted := r.URL.Query().Get("artifactType")
	kept := []descriptor{}
	for _, d := range list.Manifests {
		get := httptest.NewRequest(http.MethodGet, "/v2/"+repo+"/manifests/"+d.Digest, nil)
		got := s.serve(get)
		var m referrer
		if got.Code == http.StatusOK && json.Unmarshal(got.Body.Bytes(), &m) == nil {
			d.ArtifactType = m.ArtifactType
			if d.ArtifactType == "" {
				d.ArtifactType = m.Config.MediaType
			}
			d.Annotations = m.Annotations
		}
		if wanted == "" || d.ArtifactType == wanted {
			kept = append(kept, d)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Digest < kept[j].Digest })
	list.Manifests = kept
	body, _ := json.Marshal(list)
	w.Header().Set("Content-Type", list.MediaType)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if wanted != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func (s specReferrers) putManifest(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := s.serve(r)
	var m referrer
	if rec.Code == http.StatusCreated && json.Unmarshal(body, &m) == nil && m.Subject != nil && m.Subject.Digest != "" {
		rec.Header().Set("OCI-Subject", m.Subject.Digest)
	}
	copyResponse(w, rec)
}
