package leverfake

import (
	"io"
	"net/http"
	"net/http/httptest"
	"time"
)

// FaultKind is what an injected fault does.
type FaultKind string

// Fault kinds.
const (
	// KindError answers Status (503 by default) without applying anything.
	KindError FaultKind = "error"
	// KindTimeout hangs without applying anything until the client gives up
	// or Hang passes (then answers 504).
	KindTimeout FaultKind = "timeout"
	// KindLostResponse applies the request, then answers Status (502 by
	// default) instead of the real response.
	KindLostResponse FaultKind = "lost_response"
	// KindDrop applies the request, then drops the connection unanswered.
	KindDrop FaultKind = "drop"
	// KindRateLimited answers 429 TooManyRequests without a Retry-After
	// header and applies nothing. Lever documents 429 (#rate-limits) but
	// neither its body nor Retry-After (LEVER.md §2 ⚠️: assume absent).
	KindRateLimited FaultKind = "rate_limited"
)

// Failure is one deterministic injected fault (see FailNext).
type Failure struct {
	Kind    FaultKind         `json:"kind"`              // KindError when empty
	Status  int               `json:"status,omitempty"`  // for KindError and KindLostResponse
	Code    string            `json:"code,omitempty"`    // Lever error code in the body
	Message string            `json:"message,omitempty"` // Lever error message in the body
	Header  map[string]string `json:"header,omitempty"`  // extra headers, e.g. Retry-After, Location
	Hang    time.Duration     `json:"hang,omitempty"`    // for KindTimeout; 0 = until the client leaves
}

func (fl Failure) applies() bool { return fl.Kind == KindLostResponse || fl.Kind == KindDrop }

// Faults are random faults for one endpoint, drawn from the Fake's seeded
// RNG: each request fails with probability ErrorRate+TimeoutRate+LostRate.
type Faults struct {
	ErrorRate   float64       `json:"errorRate,omitempty"`
	Status      int           `json:"status,omitempty"` // for errors; 503 when 0
	TimeoutRate float64       `json:"timeoutRate,omitempty"`
	Hang        time.Duration `json:"hang,omitempty"` // 0 = until the client leaves
	LostRate    float64       `json:"lostRate,omitempty"`
	Drop        bool          `json:"drop,omitempty"` // lost responses drop the connection instead of 502
	// RateLimitedRate answers 429 without Retry-After (KindRateLimited).
	RateLimitedRate float64 `json:"rateLimitedRate,omitempty"`
}

// AllEndpoints is the endpoint key matching every endpoint in SetFaults and
// FailNext.
const AllEndpoints = "*"

// SetFaults sets random faults for an endpoint label ("POST /opportunities",
// "POST /oauth/token refresh_token", or AllEndpoints). Zero Faults clear it.
func (f *Fake) SetFaults(endpoint string, fs Faults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fs == (Faults{}) {
		delete(f.faults, endpoint)
		return
	}
	f.faults[endpoint] = fs
}

// FailNext makes the next n requests to endpoint (a label or AllEndpoints)
// fail as fl, before any random fault is drawn.
func (f *Fake) FailNext(endpoint string, n int, fl Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.failNext[endpoint] = append(f.failNext[endpoint], fl)
	}
}

// ClearFaults removes every random and queued fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = map[string]Faults{}
	f.failNext = map[string][]Failure{}
}

// SetLatency adds fixed plus a uniformly random [0, jitter) delay to every
// Lever request (not to /_admin/).
func (f *Fake) SetLatency(fixed, jitter time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency, f.jitter = fixed, jitter
}

// pickFaultLocked returns the fault to inject for one request, if any.
func (f *Fake) pickFaultLocked(label string) (Failure, bool) {
	for _, key := range []string{label, AllEndpoints} {
		if q := f.failNext[key]; len(q) > 0 {
			f.failNext[key] = q[1:]
			fl := q[0]
			if fl.Kind == "" {
				fl.Kind = KindError
			}
			return fl, true
		}
	}
	fs, ok := f.faults[label]
	if !ok {
		fs, ok = f.faults[AllEndpoints]
	}
	if !ok {
		return Failure{}, false
	}
	u := f.rng.Float64()
	switch {
	case u < fs.ErrorRate:
		return Failure{Kind: KindError, Status: fs.Status}, true
	case u < fs.ErrorRate+fs.TimeoutRate:
		return Failure{Kind: KindTimeout, Hang: fs.Hang}, true
	case u < fs.ErrorRate+fs.TimeoutRate+fs.LostRate:
		if fs.Drop {
			return Failure{Kind: KindDrop}, true
		}
		return Failure{Kind: KindLostResponse}, true
	case u < fs.ErrorRate+fs.TimeoutRate+fs.LostRate+fs.RateLimitedRate:
		return Failure{Kind: KindRateLimited}, true
	}
	return Failure{}, false
}

// maxHang bounds a timeout fault that gave no Hang: long past any client
// timeout, short enough that a test server can always close.
const maxHang = 2 * time.Minute

// preFault runs the part of a fault that comes before the handler. It
// reports whether the handler should still run.
func (f *Fake) preFault(w http.ResponseWriter, r *http.Request, fl Failure) bool {
	switch fl.Kind {
	case KindTimeout:
		// Read the body first: Go's server only notices a gone client (and
		// cancels r.Context) once the request body is consumed; an unread
		// POST body would leave this handler hanging and block Close.
		_, _ = io.Copy(io.Discard, r.Body)
		hang := fl.Hang
		if hang <= 0 {
			hang = maxHang
		}
		t := time.NewTimer(hang)
		defer t.Stop()
		after := t.C
		select {
		case <-r.Context().Done():
		case <-after:
			writeFailure(w, fl, http.StatusGatewayTimeout, "GatewayTimeout", "Request timed out")
		}
		return false
	case KindLostResponse, KindDrop:
		return true
	case KindRateLimited:
		writeFailure(w, fl, http.StatusTooManyRequests, "TooManyRequests", "Rate limit exceeded")
		return false
	default:
		writeFailure(w, fl, http.StatusServiceUnavailable, "ServiceUnavailable", "Service unavailable (injected)")
		return false
	}
}

// postFault replaces the (applied) handler's response.
func (f *Fake) postFault(w http.ResponseWriter, fl Failure) {
	if fl.Kind == KindDrop {
		panic(http.ErrAbortHandler) // net/http closes the connection silently
	}
	writeFailure(w, fl, http.StatusBadGateway, "BadGateway", "Bad gateway (injected)")
}

func writeFailure(w http.ResponseWriter, fl Failure, status int, code, msg string) {
	if fl.Status != 0 {
		status = fl.Status
	}
	if fl.Code != "" {
		code = fl.Code
	}
	if fl.Message != "" {
		msg = fl.Message
	}
	for k, v := range fl.Header {
		w.Header().Set(k, v)
	}
	writeError(w, status, code, msg)
}

// delay sleeps the configured latency; false if the client left meanwhile.
func (f *Fake) delay(r *http.Request) bool {
	f.mu.Lock()
	d := f.latency
	if f.jitter > 0 {
		d += time.Duration(f.rng.Int64N(int64(f.jitter)))
	}
	f.mu.Unlock()
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

type bufferedResponse = httptest.ResponseRecorder

func newBufferedResponse() *bufferedResponse { return httptest.NewRecorder() }
