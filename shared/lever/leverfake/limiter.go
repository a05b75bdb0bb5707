package leverfake

import (
	"math"
	"time"
)

// bucket is a token bucket; guarded by Fake.mu.
type bucket struct {
	tokens float64
	last   time.Time
}

// take removes one token if available; otherwise it reports how long until
// one is.
func (b *bucket) take(now time.Time, rate float64, burst int) (bool, time.Duration) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(float64(burst), b.tokens+el*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// SetRateLimit sets every account's token bucket (refill rate per second,
// burst size) and refills them; rate <= 0 disables rate limiting.
func (f *Fake) SetRateLimit(rate float64, burst int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if rate <= 0 {
		f.rateOff = true
		return
	}
	if burst < 1 {
		burst = 1
	}
	f.rateOff, f.rate, f.burst = false, rate, burst
	for _, a := range f.accounts {
		a.bucket = bucket{tokens: float64(burst), last: f.now()}
	}
}
