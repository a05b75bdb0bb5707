package leverfake

import (
	"encoding/json"
	"net/http"
	"time"
)

// adminRoutes builds the JSON admin surface under /_admin/ (not Lever's; for
// the standalone command and the local stack). Every route mirrors a Go
// method of Fake or Account.
//
//	GET    /_admin/accounts                         list accounts
//	POST   /_admin/accounts                         {"name"} → account
//	POST   /_admin/accounts/{id}/users              User → user
//	POST   /_admin/accounts/{id}/users/{uid}/deactivate
//	POST   /_admin/accounts/{id}/postings           Posting + {"count"} → postings
//	PATCH  /_admin/accounts/{id}/postings/{pid}     Lever's update body (docs #update-a-posting) → posting
//	DELETE /_admin/accounts/{id}/postings/{pid}     delete a posting (Lever's API cannot; its users can)
//	POST   /_admin/accounts/{id}/revoke             revoke the grant
//	POST   /_admin/accounts/{id}/tokens             issue tokens without the browser
//	GET    /_admin/accounts/{id}/opportunities      opportunities
//	GET    /_admin/accounts/{id}/counters           per-account counters
//	GET    /_admin/counters                         global counters
//	GET    /_admin/duplicates                       duplicates
//	PUT    /_admin/consent                          {"deny": "description"|"", "account": id}
//	PUT    /_admin/faults                           {"endpoint", "errorRate", "status", "timeoutRate", "hangMs", "lostRate", "drop"}
//	DELETE /_admin/faults                           clear every fault
//	POST   /_admin/fail-next                        {"endpoint", "n", "kind", "status", "code", "message", "header", "hangMs"}
//	PUT    /_admin/rate                             {"rate", "burst"} (rate <= 0 disables)
//	PUT    /_admin/latency                          {"fixedMs", "jitterMs"}
//	PUT    /_admin/token-ttl                        {"seconds"}
//	GET    /_admin/clock                            {"now": ms}
//	POST   /_admin/clock                            {"advanceSeconds"} → {"now": ms}
//	PUT    /_admin/accounts/{id}/opportunities/{oid}/archived  {"reason": id|null}
//	GET    /_admin/accounts/{id}/archive-reasons    the account's archive reasons
//	PUT    /_admin/accounts/{id}/home               {"baseUrl"} serve it from another listener (307)
//	PUT    /_admin/accounts/{id}/opportunities/{oid}/stage  {"stage": id} move it (webhook included)
//	DELETE /_admin/accounts/{id}/opportunities/{oid}        delete it (Lever's API cannot; its users can)
//	GET    /_admin/accounts/{id}/webhooks           webhooks registered through the API
//	PUT    /_admin/accounts/{id}/webhook-faults     {"drop", "duplicate", "delayMs", "dropRate"}
func (f *Fake) adminRoutes() {
	m := http.NewServeMux()
	acct := func(w http.ResponseWriter, r *http.Request) *Account {
		a := f.Account(r.PathValue("id"))
		if a == nil {
			writeError(w, http.StatusNotFound, "ResourceNotFound", "account not found")
		}
		return a
	}
	m.HandleFunc("GET /_admin/accounts", func(w http.ResponseWriter, r *http.Request) {
		out := []accountJSON{}
		for _, a := range f.Accounts() {
			out = append(out, accountJSON{a.ID, a.Name, a.AdminID()})
		}
		writeJSONRaw(w, http.StatusOK, out)
	})
	m.HandleFunc("POST /_admin/accounts", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Name string }
		if !decodeAdmin(w, r, &in) {
			return
		}
		if in.Name == "" {
			in.Name = "Account"
		}
		a := f.NewAccount(in.Name)
		writeJSONRaw(w, http.StatusCreated, accountJSON{a.ID, a.Name, a.AdminID()})
	})
	m.HandleFunc("POST /_admin/accounts/{id}/users", func(w http.ResponseWriter, r *http.Request) {
		var u User
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &u) {
			writeJSONRaw(w, http.StatusCreated, a.AddUser(u))
		}
	})
	m.HandleFunc("POST /_admin/accounts/{id}/users/{uid}/deactivate", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			if !a.DeactivateUser(r.PathValue("uid")) {
				writeError(w, http.StatusNotFound, "ResourceNotFound", "user not found")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("POST /_admin/accounts/{id}/postings", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Posting
			Count int `json:"count"`
		}
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &in) {
			if in.Count <= 1 {
				writeJSONRaw(w, http.StatusCreated, []Posting{a.AddPosting(in.Posting)})
				return
			}
			writeJSONRaw(w, http.StatusCreated, a.AddPostings(in.Count, in.Posting))
		}
	})
	m.HandleFunc("PATCH /_admin/accounts/{id}/postings/{pid}", func(w http.ResponseWriter, r *http.Request) {
		var in postingInput
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &in) {
			var msg string
			var out Posting
			found := false
			a.locked(func(ac *account) {
				pp := ac.posting(r.PathValue("pid"))
				if pp == nil {
					return
				}
				found = true
				p := clonePosting(*pp)
				if msg = f.applyPostingInput(ac, &p, in, false); msg == "" {
					p.UpdatedAt = max(f.nowMillis(), p.UpdatedAt+1)
					*pp, out = p, p
				}
			})
			switch {
			case !found:
				writeError(w, http.StatusNotFound, "ResourceNotFound", "posting not found")
			case msg != "":
				badRequest(w, msg)
			default:
				writeJSONRaw(w, http.StatusOK, out)
			}
		}
	})
	m.HandleFunc("DELETE /_admin/accounts/{id}/postings/{pid}", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			if !a.DeletePosting(r.PathValue("pid")) {
				writeError(w, http.StatusNotFound, "ResourceNotFound", "posting not found")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("POST /_admin/accounts/{id}/revoke", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			a.Revoke()
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("POST /_admin/accounts/{id}/tokens", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			writeJSONRaw(w, http.StatusCreated, a.Authorize())
		}
	})
	m.HandleFunc("GET /_admin/accounts/{id}/opportunities", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			out := a.Opportunities()
			if out == nil {
				out = []Opportunity{}
			}
			writeJSONRaw(w, http.StatusOK, out)
		}
	})
	m.HandleFunc("GET /_admin/accounts/{id}/counters", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			writeJSONRaw(w, http.StatusOK, a.Counters())
		}
	})
	m.HandleFunc("GET /_admin/counters", func(w http.ResponseWriter, r *http.Request) {
		writeJSONRaw(w, http.StatusOK, f.Counters())
	})
	m.HandleFunc("GET /_admin/duplicates", func(w http.ResponseWriter, r *http.Request) {
		out := f.Duplicates()
		if out == nil {
			out = []Duplicate{}
		}
		writeJSONRaw(w, http.StatusOK, out)
	})
	m.HandleFunc("PUT /_admin/consent", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Deny, Account string }
		if decodeAdmin(w, r, &in) {
			f.SetDenyConsent(in.Deny)
			f.SetConsentAccount(in.Account)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("PUT /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Endpoint    string  `json:"endpoint"`
			ErrorRate   float64 `json:"errorRate"`
			Status      int     `json:"status"`
			TimeoutRate float64 `json:"timeoutRate"`
			HangMs      int64   `json:"hangMs"`
			LostRate    float64 `json:"lostRate"`
			Drop        bool    `json:"drop"`
			RateLimited float64 `json:"rateLimitedRate"`
		}
		if decodeAdmin(w, r, &in) {
			if in.Endpoint == "" {
				in.Endpoint = AllEndpoints
			}
			f.SetFaults(in.Endpoint, Faults{
				ErrorRate: in.ErrorRate, Status: in.Status, TimeoutRate: in.TimeoutRate,
				Hang: time.Duration(in.HangMs) * time.Millisecond, LostRate: in.LostRate, Drop: in.Drop,
				RateLimitedRate: in.RateLimited,
			})
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("DELETE /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		f.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("POST /_admin/fail-next", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Endpoint string            `json:"endpoint"`
			N        int               `json:"n"`
			Kind     FaultKind         `json:"kind"`
			Status   int               `json:"status"`
			Code     string            `json:"code"`
			Message  string            `json:"message"`
			Header   map[string]string `json:"header"`
			HangMs   int64             `json:"hangMs"`
		}
		if decodeAdmin(w, r, &in) {
			if in.Endpoint == "" {
				in.Endpoint = AllEndpoints
			}
			f.FailNext(in.Endpoint, max(in.N, 1), Failure{
				Kind: in.Kind, Status: in.Status, Code: in.Code, Message: in.Message,
				Header: in.Header, Hang: time.Duration(in.HangMs) * time.Millisecond,
			})
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("PUT /_admin/rate", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Rate  float64 `json:"rate"`
			Burst int     `json:"burst"`
		}
		if decodeAdmin(w, r, &in) {
			f.SetRateLimit(in.Rate, in.Burst)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("PUT /_admin/latency", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ FixedMs, JitterMs int64 }
		if decodeAdmin(w, r, &in) {
			f.SetLatency(time.Duration(in.FixedMs)*time.Millisecond, time.Duration(in.JitterMs)*time.Millisecond)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("PUT /_admin/token-ttl", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Seconds int64 }
		if !decodeAdmin(w, r, &in) {
			return
		}
		if in.Seconds <= 0 {
			badRequest(w, "seconds must be positive")
			return
		}
		f.SetTokenTTL(time.Duration(in.Seconds) * time.Second)
		w.WriteHeader(http.StatusNoContent)
	})
	m.HandleFunc("GET /_admin/clock", func(w http.ResponseWriter, r *http.Request) {
		writeJSONRaw(w, http.StatusOK, map[string]int64{"now": f.Now().UnixMilli()})
	})
	m.HandleFunc("POST /_admin/clock", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			AdvanceSeconds int64 `json:"advanceSeconds"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		if in.AdvanceSeconds < 0 {
			badRequest(w, "advanceSeconds must not be negative")
			return
		}
		now := f.Advance(time.Duration(in.AdvanceSeconds) * time.Second)
		writeJSONRaw(w, http.StatusOK, map[string]int64{"now": now.UnixMilli()})
	})
	m.HandleFunc("PUT /_admin/accounts/{id}/opportunities/{oid}/archived", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Reason *string `json:"reason"`
		}
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &in) {
			reason := ""
			if in.Reason != nil {
				reason = *in.Reason
			}
			if !a.Archive(r.PathValue("oid"), reason) {
				writeError(w, http.StatusNotFound, "ResourceNotFound", "opportunity or archive reason not found")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("GET /_admin/accounts/{id}/archive-reasons", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			var out []ArchiveReason
			a.locked(func(ac *account) { out = append(out, ac.archiveReasons...) })
			writeJSONRaw(w, http.StatusOK, out)
		}
	})
	m.HandleFunc("PUT /_admin/accounts/{id}/home", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			BaseURL string `json:"baseUrl"`
		}
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &in) {
			f.SetHome(a.ID, in.BaseURL)
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("PUT /_admin/accounts/{id}/opportunities/{oid}/stage", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Stage string `json:"stage"`
		}
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &in) {
			if !a.ChangeStage(r.PathValue("oid"), in.Stage) {
				writeError(w, http.StatusNotFound, "ResourceNotFound", "opportunity or stage not found")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("DELETE /_admin/accounts/{id}/opportunities/{oid}", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			if !a.DeleteOpportunity(r.PathValue("oid"), "") {
				writeError(w, http.StatusNotFound, "ResourceNotFound", "opportunity not found")
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}
	})
	m.HandleFunc("GET /_admin/accounts/{id}/webhooks", func(w http.ResponseWriter, r *http.Request) {
		if a := acct(w, r); a != nil {
			out := a.Webhooks()
			if out == nil {
				out = []Webhook{}
			}
			writeJSONRaw(w, http.StatusOK, out)
		}
	})
	m.HandleFunc("PUT /_admin/accounts/{id}/webhook-faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Drop      int     `json:"drop"`
			Duplicate int     `json:"duplicate"`
			DelayMs   int64   `json:"delayMs"`
			DropRate  float64 `json:"dropRate"`
		}
		if a := acct(w, r); a != nil && decodeAdmin(w, r, &in) {
			a.SetWebhookFaults(WebhookFaults{Drop: in.Drop, Duplicate: in.Duplicate, Delay: time.Duration(in.DelayMs) * time.Millisecond, DropRate: in.DropRate})
			w.WriteHeader(http.StatusNoContent)
		}
	})
	f.adminMux = m
}

type accountJSON struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	AdminID string `json:"adminId"`
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		badRequest(w, "invalid JSON: "+err.Error())
		return false
	}
	return true
}
