package templatecheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runSecrets runs infra/secrets.sh in dry-run mode (it prints the aws calls
// it would make, names only, on stderr) and returns its stdout, stderr and
// exit error.
func runSecrets(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{filepath.Join(root(t), "infra", "secrets.sh")}, args...)...)
	cmd.Env = append(os.Environ(), "SECRETS_DRY_RUN=1", "LEVER_CLIENT_SECRET=not-a-real-secret")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// TestSecretsMatchTheStack: `make secrets STAGE=dev REGION=eu-west-1`
// writes exactly the SSM parameters the stack's functions read for Stage
// dev, every call in that region, and never prints a value.
func TestSecretsMatchTheStack(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	stdout, stderr, err := runSecrets(t, "dev", "eu-west-1")
	if err != nil {
		t.Fatalf("secrets.sh dev eu-west-1: %v\n%s%s", err, stdout, stderr)
	}
	var written []string
	for _, line := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(line, "dry run: aws ") {
			continue
		}
		if !strings.HasPrefix(line, "dry run: aws --region eu-west-1 ") {
			t.Errorf("aws call without the chosen region: %q", line)
		}
		if f := strings.Fields(line); len(f) >= 7 && f[6] == "put-parameter" {
			written = append(written, f[len(f)-1])
		}
	}
	if strings.Contains(stdout+stderr, "not-a-real-secret") {
		t.Error("secrets.sh printed a secret value")
	}
	var read []string
	for _, f := range loadStack(t).Functions {
		for name, v := range f.Environment {
			if sub, ok := asMap(v)["Fn::Sub"].(string); ok && strings.HasSuffix(name, "_PARAM") {
				if n := strings.ReplaceAll(sub, "${Stage}", "dev"); !slices.Contains(read, n) {
					read = append(read, n)
				}
			}
		}
	}
	slices.Sort(written)
	slices.Sort(read)
	if len(read) == 0 || !slices.Equal(written, read) {
		t.Errorf("secrets.sh writes %v; the stack reads %v", written, read)
	}
}

// TestSecretsRefuseToGuess: no region, no stage, or a stage the template
// would refuse, and nothing is written.
func TestSecretsRefuseToGuess(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"dev"}, "REGION is required"},
		{[]string{"dev", ""}, "REGION is required"},
		{[]string{"", "eu-west-1"}, "STAGE is required"},
		{[]string{"Dev_1", "eu-west-1"}, "must match"},
		{[]string{"dev", "europe"}, "not a region name"},
	} {
		stdout, stderr, err := runSecrets(t, tt.args...)
		if err == nil || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "put-parameter") {
			t.Errorf("secrets.sh %q: err %v, stderr %q, stdout %q; want a failure saying %q and no write", tt.args, err, stderr, stdout, tt.want)
		}
	}
}
