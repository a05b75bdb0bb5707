package export

import (
	"flag"
	"os"
	"testing"
)

// TestMain raises the default parallelism: the scenarios wait on the
// emulators, the fake Lever and queue visibility timeouts, not on the CPU,
// and each has its own tables, queues and fake. An explicit -parallel wins.
func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", "8")
	}
	os.Exit(m.Run())
}
