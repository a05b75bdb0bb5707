package lambdaruntime

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverlink/leverlink/shared/config"
)

// Module is the import path prefix of the functions' main packages.
const Module = "github.com/leverlink/leverlink"

// InitTimeout bounds one cold start in MeasureInit.
const InitTimeout = 30 * time.Second

const runtimePrefix = "/2018-06-01/runtime"

// BuildBootstrap builds function fn (api, webhook, oauth, exporter,
// refresher) the way `make build` does (CGO_ENABLED=0, -tags lambda.norpc,
// -trimpath, -ldflags "-s -w -buildid=") for goos/goarch, into
// dir/<goos>_<goarch>/<fn>/bootstrap, and returns that path. It runs the go
// command found in PATH and must be called from inside the module.
func BuildBootstrap(fn, goos, goarch, dir string) (string, error) {
	if !slices.Contains(config.Functions, config.Function(fn)) {
		return "", fmt.Errorf("build bootstrap: unknown function %q", fn)
	}
	out := filepath.Join(dir, goos+"_"+goarch, fn, "bootstrap")
	if err := goBuild(goos, goarch, out, Module+"/functions/"+fn); err != nil {
		return "", fmt.Errorf("build bootstrap %s: %w", fn, err)
	}
	return out, nil
}

// BuildBootstraps builds every function as BuildBootstrap does, in one go
// build invocation (the packages they share compile once), into
// dir/<goos>_<goarch>/<fn>, and returns function → path. It runs the go
// command found in PATH and must be called from inside the module.
func BuildBootstraps(goos, goarch, dir string) (map[string]string, error) {
	outDir := filepath.Join(dir, goos+"_"+goarch)
	var pkgs []string
	paths := map[string]string{}
	for _, fn := range config.Functions {
		pkgs = append(pkgs, Module+"/functions/"+string(fn))
		paths[string(fn)] = filepath.Join(outDir, string(fn))
	}
	// A trailing separator makes -o a directory: one executable per package,
	// named after its directory.
	if err := goBuild(goos, goarch, outDir+string(filepath.Separator), pkgs...); err != nil {
		return nil, fmt.Errorf("build bootstraps: %w", err)
	}
	return paths, nil
}

// goBuild runs go build with the flags of `make build` for goos/goarch.
func goBuild(goos, goarch, out string, pkgs ...string) error {
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath",
		"-ldflags", "-s -w -buildid=", "-o", out}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s/%s: %w\n%s", goos, goarch, err, msg)
	}
	return nil
}

// MeasureInit starts the bootstrap at path under a fresh [Server] and
// returns its init time: from process start until its first GET
// /runtime/invocation/next (the runtime asks for work only once main has
// finished its cold start). env is the whole environment of the process
// ([Env] gives one); AWS_LAMBDA_RUNTIME_API is added. The process is killed
// before MeasureInit returns. When it exits before asking for work, the
// error holds its stderr (which names what is missing).
func MeasureInit(path string, env []string) (time.Duration, error) {
	s := NewServer()
	defer s.Close()
	p, err := Start(path, env, s)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	return p.WaitInit(InitTimeout)
}

// Response is what the function posted for one invocation.
type Response struct {
	RequestID string
	Payload   []byte // the response, or the error document
	Error     bool   // posted to /invocation/{id}/error
}

type invocation struct {
	id      string
	payload []byte
}

// Server is a minimal Lambda Runtime API: it hands out the invocations
// queued with Invoke one at a time on GET /runtime/invocation/next (which
// blocks until there is one), takes their responses and errors, and keeps
// what is posted to /runtime/init/error. Start it with NewServer; Close
// it after the processes using it have stopped.
type Server struct {
	srv   *httptest.Server
	queue chan invocation
	done  chan struct{}
	seq   atomic.Int64

	readyOnce sync.Once
	ready     chan struct{}

	mu        sync.Mutex
	readyAt   time.Time
	nexts     int
	pending   map[string]chan Response
	initError []byte
	closeOnce sync.Once
}

// NewServer starts a Runtime API server on a local port.
func NewServer() *Server {
	s := &Server{
		queue:   make(chan invocation),
		done:    make(chan struct{}),
		ready:   make(chan struct{}),
		pending: map[string]chan Response{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+runtimePrefix+"/invocation/next", s.next)
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/response", s.result(false))
	mux.HandleFunc("POST "+runtimePrefix+"/invocation/{id}/error", s.result(true))
	mux.HandleFunc("POST "+runtimePrefix+"/init/error", s.initErr)
	s.srv = httptest.NewServer(mux)
	return s
}

// Addr is the host:port to set as AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Close releases the requests waiting for work and stops the server.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.srv.Close()
	})
}

// Ready is closed at the first GET /runtime/invocation/next: init is over.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// ReadyAt is when the first GET /runtime/invocation/next arrived (zero
// before).
func (s *Server) ReadyAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.readyAt
}

// InitError is the body posted to /runtime/init/error, nil if none was.
func (s *Server) InitError() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.initError
}

// Invoke queues one event and waits for the function's answer.
func (s *Server) Invoke(ctx context.Context, payload []byte) (Response, error) {
	inv := invocation{id: fmt.Sprintf("req-%06d", s.seq.Add(1)), payload: payload}
	ch := make(chan Response, 1)
	s.mu.Lock()
	s.pending[inv.id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, inv.id)
		s.mu.Unlock()
	}()
	select {
	case s.queue <- inv:
	case <-ctx.Done():
		return Response{}, fmt.Errorf("invoke %s: the function did not ask for work: %w", inv.id, ctx.Err())
	case <-s.done:
		return Response{}, errors.New("invoke: server closed")
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return Response{}, fmt.Errorf("invoke %s: no response: %w", inv.id, ctx.Err())
	case <-s.done:
		return Response{}, errors.New("invoke: server closed")
	}
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.nexts == 0 {
		s.readyAt = time.Now()
	}
	s.nexts++
	s.mu.Unlock()
	s.readyOnce.Do(func() { close(s.ready) })
	select {
	case inv := <-s.queue:
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:leverlink-test")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
	case <-s.done:
		http.Error(w, "runtime API closed", http.StatusServiceUnavailable)
	}
}

func (s *Server) result(posted bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		isErr := posted
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// A streamed response reports a failure in its trailers.
		if r.Trailer.Get("Lambda-Runtime-Function-Error-Type") != "" {
			isErr = true
			body = []byte(r.Trailer.Get("Lambda-Runtime-Function-Error-Body"))
		}
		id := r.PathValue("id")
		s.mu.Lock()
		ch, ok := s.pending[id]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "unknown request id "+id, http.StatusBadRequest)
			return
		}
		ch <- Response{RequestID: id, Payload: body, Error: isErr}
		w.WriteHeader(http.StatusAccepted)
	}
}

func (s *Server) initErr(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.initError = body
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// Process is one bootstrap started by Start.
type Process struct {
	cmd     *exec.Cmd
	server  *Server
	started time.Time
	stdout  syncBuffer
	stderr  syncBuffer
	exited  chan struct{}
	waitErr error
	stop    sync.Once
}

// Start runs the bootstrap at path with exactly env plus
// AWS_LAMBDA_RUNTIME_API pointing at s. Call Stop when done (before
// s.Close).
func Start(path string, env []string, s *Server) (*Process, error) {
	p := &Process{server: s, exited: make(chan struct{})}
	p.cmd = exec.Command(path)
	p.cmd.Env = append(slices.Clone(env), "AWS_LAMBDA_RUNTIME_API="+s.Addr())
	p.cmd.Stdout = &p.stdout
	p.cmd.Stderr = &p.stderr
	p.cmd.WaitDelay = 5 * time.Second
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// WaitInit waits for the first GET /runtime/invocation/next and returns the
// time since the process started; it fails when the process exits first
// (the error holds its stderr) or after timeout.
func (p *Process) WaitInit(timeout time.Duration) (time.Duration, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.server.Ready():
		return p.server.ReadyAt().Sub(p.started), nil
	case <-p.exited:
		if p.waitErr != nil {
			return 0, fmt.Errorf("%s exited during init (%w): %s", p.cmd.Path, p.waitErr, strings.TrimSpace(p.Stderr()))
		}
		return 0, fmt.Errorf("%s exited during init (exit status 0): %s", p.cmd.Path, strings.TrimSpace(p.Stderr()))
	case <-t.C:
		return 0, fmt.Errorf("%s did not finish init within %s; stderr: %s", p.cmd.Path, timeout, strings.TrimSpace(p.Stderr()))
	}
}

// WaitExit waits for the process to exit by itself and returns its exit
// code; it fails after timeout.
func (p *Process) WaitExit(timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode(), nil
	case <-t.C:
		return 0, fmt.Errorf("%s still running after %s", p.cmd.Path, timeout)
	}
}

// Exited is closed once the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Stdout is what the process wrote on stdout so far (its JSON logs).
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr is what the process wrote on stderr so far.
func (p *Process) Stderr() string { return p.stderr.String() }

// Stop kills the process if it still runs and waits for it. Safe to call
// more than once.
func (p *Process) Stop() {
	p.stop.Do(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
		}
		<-p.exited
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// The secret parameters Env names and Params holds.
const (
	TokenKeyParam           = "/leverlink/test/token-key"
	LeverClientSecretParam  = "/leverlink/test/lever-client-secret"
	APIKeysParam            = "/leverlink/test/api-keys"
	WebhookSecretParam      = "/leverlink/test/webhook-secret"
	VendorEventsSecretParam = "/leverlink/test/vendor-events-secret"
)

// Params returns the secret parameters every function's Env names, with
// valid values (a fresh map).
func Params() map[string]string {
	return map[string]string{
		TokenKeyParam:           base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x42}, 32)),
		LeverClientSecretParam:  "test-lever-client-secret",
		APIKeysParam:            "test-api-key",
		WebhookSecretParam:      "test-webhook-secret",
		VendorEventsSecretParam: "test-vendor-events-secret",
	}
}

// unreachable is an endpoint nothing answers on (the discard port): the
// functions make no call at init, and no test may reach AWS or Lever.
const unreachable = "http://127.0.0.1:9"

// values are fake values of every variable the config reads.
var values = map[string]string{
	"CONNECTIONS_TABLE":          "leverlink-test-connections",
	"LINKS_TABLE":                "leverlink-test-links",
	"EXPORTS_TABLE":              "leverlink-test-exports",
	"EVENTS_TABLE":               "leverlink-test-events",
	"OUTBOX_TABLE":               "leverlink-test-outbox",
	"VENDOR_EVENTS_URL":          "https://vendor.example.test/leverlink-events",
	"VENDOR_EVENTS_SECRET_PARAM": VendorEventsSecretParam,
	"EXPORT_QUEUE_URL":           unreachable + "/000000000000/leverlink-test-export.fifo",
	"REFRESH_FUNCTION_NAME":      "leverlink-test-refresher",
	"PAYLOAD_BUCKET":             "leverlink-test-payloads",
	"EXPORT_MAX_RECEIVE_COUNT":   "28",
	"LEVER_CLIENT_ID":            "test-client-id",
	"LEVER_CLIENT_SECRET_PARAM":  LeverClientSecretParam,
	"LEVER_REDIRECT_URL":         "https://api.example.test/oauth/lever/callback",
	"LEVER_AUTH_BASE_URL":        unreachable,
	"LEVER_API_BASE_URL":         unreachable,
	"API_KEYS_PARAM":             APIKeysParam,
	"WEBHOOK_SECRET_PARAM":       WebhookSecretParam,
	"TOKEN_KEY_PARAM":            TokenKeyParam,
	"MARKETPLACE_NAME":           "leverlink-test",
	"ALLOWED_RETURN_ORIGINS":     "https://app.example.test",
}

// Env is the whole environment function fn needs for a cold start apart from
// AWS_LAMBDA_RUNTIME_API: its configuration with fake table names and queue
// URLs, secret parameters named as in Params, read from the SSM at
// ssmEndpoint, region and dummy credentials (no shared AWS files, no
// instance metadata). DYNAMODB_ENDPOINT, SQS_ENDPOINT and S3_ENDPOINT come from this
// process's environment (the emulators under `make test`) or else point
// where nothing answers; Lever too.
func Env(fn, ssmEndpoint string) []string {
	env := []string{
		"AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"SSM_ENDPOINT=" + ssmEndpoint,
	}
	for _, name := range []string{"DYNAMODB_ENDPOINT", "SQS_ENDPOINT", "S3_ENDPOINT"} {
		v := os.Getenv(name)
		if v == "" {
			v = unreachable
		}
		env = append(env, name+"="+v)
	}
	required, optional := config.Vars(config.Function(fn))
	for _, name := range append(required, optional...) {
		if v, ok := values[name]; ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// SSM is a fake SSM Parameter Store: it answers GetParameter (JSON 1.1
// protocol) from a fixed set of parameters, ParameterNotFound otherwise.
type SSM struct {
	URL    string
	srv    *httptest.Server
	params map[string]string
}

// NewSSM starts a fake SSM holding params (copied).
func NewSSM(params map[string]string) *SSM {
	s := &SSM{params: maps.Clone(params)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *SSM) Close() { s.srv.Close() }

func (s *SSM) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(typ, msg string) {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	if target := r.Header.Get("X-Amz-Target"); target != "AmazonSSM.GetParameter" {
		fail("UnknownOperationException", "fake SSM answers GetParameter only, not "+target)
		return
	}
	var in struct {
		Name           string
		WithDecryption bool
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail("ValidationException", "malformed request: "+err.Error())
		return
	}
	if !in.WithDecryption {
		fail("ValidationException", "fake SSM holds SecureString parameters only: set WithDecryption")
		return
	}
	v, ok := s.params[in.Name]
	if !ok {
		fail("ParameterNotFound", "parameter "+in.Name+" not found")
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{
		"Name": in.Name, "Type": "SecureString", "Value": v, "Version": 1,
	}})
}
