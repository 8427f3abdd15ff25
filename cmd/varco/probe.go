package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/varco-anpr/varco/internal/config"
)

// `varco probe` is the container health check of an image without a shell or an HTTP client
// (the distroless image of the Dockerfile): docker-compose.yml's api service runs it.
func init() {
	register(&command{name: "probe", args: "[-url http://127.0.0.1:8080/readyz]",
		short:  "exit 0 when a URL answers 200 (a container health check)",
		groups: []config.Group{config.GroupCommon}, flags: probeFlags, long: `
GETs the URL once, within -timeout, and exits 0 on a 200 answer, 1 otherwise: the health check
of the api container, whose image has no shell or HTTP client.

Example:
  varco probe -url http://127.0.0.1:8080/readyz`})
}

func probeFlags(fs *flag.FlagSet) commandFunc {
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "URL to GET")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	return func(ctx context.Context, _ config.Config, _ *slog.Logger) error {
		ctx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("probe %s: %w", *url, err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("probe %s: %s", *url, resp.Status)
		}
		return nil
	}
}
