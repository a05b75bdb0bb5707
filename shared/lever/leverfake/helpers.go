package leverfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

func itoa(i int) string { return strconv.Itoa(i) }

// writeJSONRaw writes v as JSON with status.
func writeJSONRaw(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeData writes Lever's single-object envelope {"data": v}.
func writeData(w http.ResponseWriter, status int, v any) {
	writeJSONRaw(w, status, map[string]any{"data": v})
}

// writeError writes Lever's error body {"code","message"}.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSONRaw(w, status, map[string]string{"code": code, "message": msg})
}

func badRequest(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "BadRequestError", msg)
}

func notFound(w http.ResponseWriter, what, id string) {
	writeError(w, http.StatusNotFound, "ResourceNotFound", what+" "+id+" was not found")
}

// listPage is Lever's list envelope.
type listPage[T any] struct {
	Data    []T    `json:"data"`
	Next    string `json:"next,omitempty"`
	HasNext bool   `json:"hasNext"`
}

// pageOf slices items by the request's limit (1..100, default 100) and
// opaque offset, and writes the page. It reports 400 for a bad limit or an
// offset the fake never issued.
func pageOf[T any](w http.ResponseWriter, r *http.Request, items []T) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			badRequest(w, "limit must be between 1 and 100")
			return
		}
		limit = n
	}
	start := 0
	if v := r.URL.Query().Get("offset"); v != "" {
		i, ok := decodeOffset(v)
		if !ok || i > len(items) {
			badRequest(w, "Invalid offset")
			return
		}
		start = i
	}
	end := min(start+limit, len(items))
	p := listPage[T]{Data: items[start:end]}
	if p.Data == nil {
		p.Data = []T{}
	}
	if end < len(items) {
		p.HasNext = true
		p.Next = encodeOffset(end)
	}
	writeJSONRaw(w, http.StatusOK, p)
}

func encodeOffset(i int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("lf1:" + strconv.Itoa(i)))
}

func decodeOffset(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	n, ok := strings.CutPrefix(string(b), "lf1:")
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}
