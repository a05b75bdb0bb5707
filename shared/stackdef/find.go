package stackdef

import (
	"fmt"
	"os"
	"path/filepath"
)

// FindTemplate returns the path of template.yaml beside the first go.mod in
// dir or above it (the module root), for commands and tests that run from
// anywhere inside the checkout.
func FindTemplate(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "template.yaml"), nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod in %s or above: cannot find template.yaml", dir)
		}
		d = parent
	}
}

// FindTemplateFromWD is FindTemplate from the working directory.
func FindTemplateFromWD() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return FindTemplate(wd)
}
