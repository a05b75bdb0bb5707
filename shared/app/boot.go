package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/logging"
	"github.com/leverlink/leverlink/shared/secret"
	"github.com/leverlink/leverlink/shared/ssmparam"
)

// Booted is an App with the secret source it was built from.
type Booted struct {
	*App
	Secrets secret.Source
}

// Boot is a Lambda cold start: configuration from the environment, JSON
// logs on stdout, secrets from SSM, then New. The error names what is
// missing; main prints it and exits.
func Boot(ctx context.Context, fn config.Function) (*Booted, error) {
	cfg, err := config.Load(fn, nil)
	if err != nil {
		return nil, err
	}
	log := logging.New(os.Stdout, slog.LevelInfo).With("function", string(fn))
	slog.SetDefault(log)
	ssmClient, err := ssmparam.NewClient(ctx, cfg.SSMEndpoint)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	src := ssmparam.New(ssmClient)
	a, err := New(ctx, cfg, Options{Secrets: src, Log: log})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return &Booted{App: a, Secrets: src}, nil
}
