package lever

import "time"

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
