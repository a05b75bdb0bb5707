package lambdaruntime

import (
	"os"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/config"
)

// BenchmarkBootstrapInit reports, per function, the size of the
// linux/arm64 bootstrap `make build` ships ("bytes") and the cold start of
// the host bootstrap under the Runtime API, from process start to its first
// GET /runtime/invocation/next: as ns/op and as "init-ms".
func BenchmarkBootstrapInit(b *testing.B) {
	arm64 := target{"linux", "arm64"}
	bins := map[target]map[string]string{host: bootstraps(b, host), arm64: bootstraps(b, arm64)}
	ssm := NewSSM(Params())
	b.Cleanup(ssm.Close)

	for _, fn := range config.Functions {
		b.Run(string(fn), func(b *testing.B) {
			info, err := os.Stat(bins[arm64][string(fn)])
			if err != nil {
				b.Fatal(err)
			}
			bin, env := bins[host][string(fn)], Env(string(fn), ssm.URL)
			var (
				total time.Duration
				n     int
			)
			for b.Loop() {
				d, err := MeasureInit(bin, env)
				if err != nil {
					b.Fatal(err)
				}
				total += d
				n++
			}
			perOp := float64(total) / float64(n)
			b.ReportMetric(perOp, "ns/op")
			b.ReportMetric(perOp/float64(time.Millisecond), "init-ms")
			b.ReportMetric(float64(info.Size()), "bytes")
		})
	}
}
