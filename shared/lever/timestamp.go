package lever

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timestamp is Lever's time format: milliseconds since the Unix epoch. Zero
// means absent (Lever sends null or omits the field).
type Timestamp int64

// TimestampOf converts t to a Timestamp; the zero time gives 0.
func TimestampOf(t time.Time) Timestamp {
	if t.IsZero() {
		return 0
	}
	return Timestamp(t.UnixMilli())
}

// Time returns ts as a UTC time; 0 gives the zero time.
func (ts Timestamp) Time() time.Time {
	if ts == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(ts)).UTC()
}

// UnmarshalJSON accepts a number, a numeric string (Lever's file-upload
// example sends "uploadedAt": "1468953420000", docs #upload-a-single-file)
// or null (recorded: "snoozedUntil": null), which gives 0.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	n, err := flexInt(b)
	if err != nil {
		return fmt.Errorf("lever: timestamp: %w", err)
	}
	*ts = Timestamp(n)
	return nil
}

// flexInt decodes a JSON number, a string holding an integer, or null (0).
func flexInt(b []byte) (int64, error) {
	s := strings.TrimSpace(string(b))
	if s == "null" || s == `""` {
		return 0, nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(str)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return int64(f), nil
}
