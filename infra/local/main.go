// Command local runs leverlink's whole stack in one process on this machine
// (`make run`): it creates the tables and queues template.yaml declares on
// the emulators that infra/emulators/with-emulators.sh starts (DynamoDB
// Local, fauxqs), serves the functions' HTTP routes on 127.0.0.1 (port
// LEVERLINK_PORT, default 8080) with GET /healthz, and stops cleanly on
// SIGINT or SIGTERM.
package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/leverlink/leverlink/shared/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := logging.New(os.Stderr, slog.LevelInfo)

	s, err := loadSettings(os.Getenv)
	if err != nil {
		log.Error("leverlink local: bad settings", "error", err)
		os.Exit(2)
	}
	if err := run(ctx, s, log, os.Stdout); err != nil {
		log.Error("leverlink local: stopped on error", "error", err)
		os.Exit(1)
	}
}
