package lambdaruntime

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/shared/app"
	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/httpapi"
)

const (
	initWait   = 20 * time.Second
	invokeWait = 15 * time.Second
)

type target struct{ goos, goarch string }

var host = target{runtime.GOOS, runtime.GOARCH}

// binDir holds the bootstraps built by this test binary (TestMain).
var binDir string

// hostBins builds the six bootstraps for this machine once per run of the
// test binary, in one go build, for every test and benchmark that starts
// them.
var hostBins = sync.OnceValues(func() (map[string]string, error) {
	return BuildBootstraps(host.goos, host.goarch, binDir)
})

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdaruntime-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// bootstraps returns function → bootstrap path for tg, built once for the
// host and on each call for another target.
func bootstraps(tb testing.TB, tg target) map[string]string {
	tb.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		tb.Skip("no go command in PATH: cannot build the bootstraps")
	}
	var (
		bins map[string]string
		err  error
	)
	if tg == host {
		bins, err = hostBins()
	} else {
		bins, err = BuildBootstraps(tg.goos, tg.goarch, binDir)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return bins
}

// start runs bin under a new Runtime API server; both stop at the end of
// the test, the process first.
func start(t *testing.T, bin string, env []string) (*Server, *Process) {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	p, err := Start(bin, env, s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return s, p
}

func invoke(t *testing.T, s *Server, p *Process, event any) Response {
	t.Helper()
	res := invokeFailing(t, s, p, event)
	if res.Error {
		t.Fatalf("invocation failed: %s\nstdout: %s", res.Payload, p.Stdout())
	}
	return res
}

// invokeFailing is invoke for an invocation expected to fail: it returns
// the error document instead of failing the test.
func invokeFailing(t *testing.T, s *Server, p *Process, event any) Response {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), invokeWait)
	defer cancel()
	res, err := s.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("%v\nstderr: %s\nstdout: %s", err, p.Stderr(), p.Stdout())
	}
	return res
}

func httpEvent(method, path, body string) events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: "$default",
		RawPath:  path,
		Headers:  map[string]string{"content-type": "application/json", "user-agent": "lambdaruntime-test"},
		Body:     body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RequestID:  "apigw-req-1",
			Stage:      "$default",
			DomainName: "api.example.test",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.7", UserAgent: "lambdaruntime-test",
			},
		},
	}
}

func httpResponse(t *testing.T, res Response) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var out events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("response %s: %v", res.Payload, err)
	}
	return out
}

// wantEnvelope checks an HTTP response: status and JSON error envelope code.
func wantEnvelope(t *testing.T, res Response, status int, code apperr.Code) {
	t.Helper()
	out := httpResponse(t, res)
	if out.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", out.StatusCode, status, out.Body)
	}
	if ct := out.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var env httpapi.ErrorBody
	if err := json.Unmarshal([]byte(out.Body), &env); err != nil {
		t.Fatalf("body %q is not the JSON error envelope: %v", out.Body, err)
	}
	if env.Error.Code != string(code) || env.Error.Message == "" {
		t.Errorf("error envelope = %+v, want code %s and a message", env.Error, code)
	}
}

// logged reports whether the process's stdout shows s within a second (the
// logs reach us through a pipe, maybe after the response).
func logged(p *Process, s string) bool {
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		if strings.Contains(p.Stdout(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func wantNoFailures(t *testing.T, res Response) {
	t.Helper()
	var out events.SQSEventResponse
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("response %s: %v", res.Payload, err)
	}
	if len(out.BatchItemFailures) != 0 || !strings.Contains(string(res.Payload), `"batchItemFailures"`) {
		t.Errorf("response = %s, want an empty batchItemFailures", res.Payload)
	}
}

type bootCase struct {
	fn    string
	event any
	check func(t *testing.T, res Response, p *Process)
	// wantError: the invocation fails (a function error Lambda retries).
	wantError bool
	// initSecrets are the *_PARAM variables whose parameters init reads;
	// lazySecret is one read on the first request instead.
	initSecrets []string
	lazySecret  string
	lazyEvent   any
}

var bootCases = []bootCase{
	{
		fn:    "api",
		event: httpEvent("GET", "/v1/companies/acme/connection", ""),
		check: func(t *testing.T, res Response, _ *Process) {
			wantEnvelope(t, res, http.StatusUnauthorized, apperr.Unauthorized)
		},
		initSecrets: []string{"TOKEN_KEY_PARAM", "LEVER_CLIENT_SECRET_PARAM"},
	},
	{
		fn:    "webhook",
		event: httpEvent("POST", "/v1/events", `{"id":"evt-1"}`),
		check: func(t *testing.T, res Response, _ *Process) {
			wantEnvelope(t, res, http.StatusUnauthorized, apperr.Unauthorized)
		},
		lazySecret: "WEBHOOK_SECRET_PARAM",
		lazyEvent:  httpEvent("POST", "/v1/events", `{"id":"evt-1"}`),
	},
	{
		fn:    "oauth",
		event: httpEvent("GET", "/oauth/lever/callback", ""),
		check: func(t *testing.T, res Response, _ *Process) {
			out := httpResponse(t, res)
			if out.StatusCode != http.StatusBadRequest || !strings.Contains(out.Body, "invalid_state") {
				t.Errorf("status %d body %q, want 400 naming invalid_state", out.StatusCode, out.Body)
			}
		},
		initSecrets: []string{"TOKEN_KEY_PARAM", "LEVER_CLIENT_SECRET_PARAM"},
	},
	{
		fn:    "exporter",
		event: events.SQSEvent{Records: []events.SQSMessage{}},
		check: func(t *testing.T, res Response, _ *Process) {
			wantNoFailures(t, res)
		},
		initSecrets: []string{"TOKEN_KEY_PARAM", "LEVER_CLIENT_SECRET_PARAM"},
	},
	{
		// Any other event would be the schedule (a fan-out scanning
		// DynamoDB) or a valid request (reading it): send a malformed
		// refresh request, refused unread as a function error (Lambda
		// retries it, then sends it to the refresh DLQ).
		fn:        "refresher",
		event:     json.RawMessage(`{"kind":"postings.refresh","companyIds":["a/b"],"requestedAt":"2026-11-30T18:00:00Z"}`),
		wantError: true,
		check: func(t *testing.T, res Response, p *Process) {
			if !res.Error || !strings.Contains(string(res.Payload), "companyIds[0]") {
				t.Errorf("response %s (error %v), want a function error naming companyIds[0]", res.Payload, res.Error)
			}
			if !logged(p, "malformed refresh request") {
				t.Errorf("stdout does not log the malformed request:\n%s", p.Stdout())
			}
		},
		initSecrets: []string{"TOKEN_KEY_PARAM", "LEVER_CLIENT_SECRET_PARAM"},
	},
	{
		// A stream batch of items that announce nothing (a cached
		// posting): decoded, nothing recorded, no table touched.
		fn: "dispatcher",
		event: events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{{
			EventID: "rec-1", EventSource: "aws:dynamodb", EventName: "INSERT",
			Change: events.DynamoDBStreamRecord{NewImage: map[string]events.DynamoDBAttributeValue{
				"pk": events.NewStringAttribute("acme"), "sk": events.NewStringAttribute("posting#p1"),
			}},
		}}},
		check: func(t *testing.T, res Response, _ *Process) {
			if string(res.Payload) != "null" {
				t.Errorf("response = %s, want null (the batch handled)", res.Payload)
			}
		},
		initSecrets: []string{"VENDOR_EVENTS_SECRET_PARAM"},
	},
}

// envValue returns the value of name in env.
func envValue(env []string, name string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// TestBootstraps runs each of the six bootstraps built for this machine as
// a real process under the Runtime API: with its configuration, without it
// (main exits non-zero naming what is missing), and for the webhook with
// its lazily read secret missing. TestBootMissingSecret covers the secrets
// read at init in-process.
func TestBootstraps(t *testing.T) {
	if len(bootCases) != len(config.Functions) {
		t.Fatalf("%d cases for %d functions", len(bootCases), len(config.Functions))
	}
	bins := bootstraps(t, host)
	ssm := NewSSM(Params())
	t.Cleanup(ssm.Close)

	for _, tc := range bootCases {
		bin := bins[tc.fn]
		t.Run(tc.fn, func(t *testing.T) {
			t.Parallel()

			t.Run("configured", func(t *testing.T) {
				t.Parallel()
				s, p := start(t, bin, Env(tc.fn, ssm.URL))
				d, err := p.WaitInit(initWait)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%s: init %v", tc.fn, d.Round(time.Microsecond))
				if tc.wantError {
					tc.check(t, invokeFailing(t, s, p, tc.event), p)
				} else {
					tc.check(t, invoke(t, s, p, tc.event), p)
				}
				if b := s.InitError(); b != nil {
					t.Errorf("init error posted: %s", b)
				}
			})

			t.Run("unconfigured", func(t *testing.T) {
				t.Parallel()
				s, p := start(t, bin, nil)
				code, err := p.WaitExit(initWait)
				if err != nil {
					t.Fatal(err)
				}
				if code == 0 {
					t.Fatalf("exit code 0 without configuration; stderr: %s", p.Stderr())
				}
				select {
				case <-s.Ready():
					t.Error("asked for work without configuration")
				default:
				}
				msg := p.Stderr() + string(s.InitError())
				want := []string{"leverlink " + tc.fn + ":"}
				required, _ := config.Vars(config.Function(tc.fn))
				for _, name := range required {
					want = append(want, name+" is required")
				}
				for _, w := range want {
					if !strings.Contains(msg, w) {
						t.Errorf("message does not say %q:\n%s", w, msg)
					}
				}
			})

			if tc.lazySecret != "" {
				// Read on the first request, not at init: init succeeds, the
				// request fails as temporary and the log names the parameter.
				t.Run("missing "+tc.lazySecret, func(t *testing.T) {
					t.Parallel()
					param := envValue(Env(tc.fn, ""), tc.lazySecret)
					params := Params()
					delete(params, param)
					fake := NewSSM(params)
					t.Cleanup(fake.Close)
					s, p := start(t, bin, Env(tc.fn, fake.URL))
					if _, err := p.WaitInit(initWait); err != nil {
						t.Fatal(err)
					}
					wantEnvelope(t, invoke(t, s, p, tc.lazyEvent), http.StatusServiceUnavailable, apperr.Transient)
					if !logged(p, param) {
						t.Errorf("the log does not name the parameter %s:\n%s", param, p.Stdout())
					}
				})
			}
		})
	}
}

// TestBootMissingSecret runs each function's init (app.Boot, what main
// calls before lambda.Start) in this process with one secret parameter
// missing from SSM: it fails naming the parameter and shows no secret
// value, in its error or its log. That main turns a Boot error into a
// non-zero exit is TestBootstraps' "unconfigured" case.
func TestBootMissingSecret(t *testing.T) {
	for _, tc := range bootCases {
		for _, v := range tc.initSecrets {
			t.Run(tc.fn+"/missing "+v, func(t *testing.T) {
				param := envValue(Env(tc.fn, ""), v)
				params := Params()
				delete(params, param)
				fake := NewSSM(params)
				t.Cleanup(fake.Close)
				required, optional := config.Vars(config.Function(tc.fn))
				for _, name := range append(required, optional...) {
					t.Setenv(name, "") // nothing from the host's environment
				}
				for _, kv := range Env(tc.fn, fake.URL) {
					name, value, _ := strings.Cut(kv, "=")
					t.Setenv(name, value)
				}

				logs, err := os.CreateTemp(t.TempDir(), "stdout")
				if err != nil {
					t.Fatal(err)
				}
				stdout := os.Stdout
				os.Stdout = logs // Boot logs JSON to os.Stdout
				_, err = app.Boot(context.Background(), config.Function(tc.fn))
				os.Stdout = stdout
				logged, rerr := os.ReadFile(logs.Name())
				if rerr != nil {
					t.Fatal(rerr)
				}

				if err == nil {
					t.Fatalf("Boot succeeded without %s", param)
				}
				if !strings.Contains(err.Error(), param) {
					t.Errorf("Boot error does not name the parameter %s: %v", param, err)
				}
				for secret := range maps.Values(Params()) {
					if strings.Contains(err.Error()+string(logged), secret) {
						t.Errorf("output shows a secret value:\n%v\n%s", err, logged)
					}
				}
			})
		}
	}
}

// TestMeasureInitFailure checks MeasureInit's error for a process that
// exits without asking for work.
func TestMeasureInitFailure(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	_, err = MeasureInit(sh, []string{"X=1"})
	if err == nil || !strings.Contains(err.Error(), "exited during init") {
		t.Fatalf("MeasureInit(sh) = %v, want an init failure", err)
	}
}
