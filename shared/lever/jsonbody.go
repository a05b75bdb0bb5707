package lever

import (
	"bytes"
	"encoding/json"
)

// marshalBody encodes a request body as JSON without HTML escaping: text
// full of '<', '>' or '&' (a history note) stays one byte per character
// instead of six ("\u003c"), so what fits the vendor's event fits Lever's
// request too.
func marshalBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
