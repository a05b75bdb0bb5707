package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/logging"
	"github.com/leverlink/leverlink/shared/ssmparam"
)

// Boot is a Lambda cold start: configuration from the environment, JSON
// logs on stdout, secrets from SSM, then New. The error names what is
// missing.
func Boot(ctx context.Context, fn config.Function) (*App, error) {
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
	a, err := New(ctx, cfg, Options{Secrets: ssmparam.New(ssmClient), Log: log})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return a, nil
}
