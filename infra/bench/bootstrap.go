package main

import (
	"os"
	"runtime"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/infra/lambdaruntime"
	"github.com/leverlink/leverlink/shared/config"
)

type bootstrapResult struct {
	Fn        string
	SizeArm64 int64
	InitMed   time.Duration // median of the runs, host architecture
	InitMax   time.Duration
	Runs      int
	Err       string
}

// runBootstraps builds every function for linux/arm64 (the deployed
// architecture) for its size, and for the host architecture to time its
// cold start under lambdaruntime's Runtime API (an arm64 binary does not
// run here).
func runBootstraps(runs int) ([]bootstrapResult, error) {
	dir, err := os.MkdirTemp("", "leverlink-bench-bootstrap")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ssm := lambdaruntime.NewSSM(lambdaruntime.Params())
	defer ssm.Close()
	var out []bootstrapResult
	for _, fn := range config.Functions {
		r := bootstrapResult{Fn: string(fn), Runs: runs}
		path, err := lambdaruntime.BuildBootstrap(string(fn), "linux", "arm64", dir)
		if err != nil {
			return nil, err
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		r.SizeArm64 = st.Size()
		host, err := lambdaruntime.BuildBootstrap(string(fn), runtime.GOOS, runtime.GOARCH, dir)
		if err != nil {
			return nil, err
		}
		var ds []time.Duration
		for range runs {
			d, err := lambdaruntime.MeasureInit(host, lambdaruntime.Env(string(fn), ssm.URL))
			if err != nil {
				r.Err = err.Error()
				break
			}
			ds = append(ds, d)
		}
		r.InitMed, r.InitMax = harness.Percentile(ds, 50), harness.Percentile(ds, 100)
		out = append(out, r)
	}
	return out, nil
}
