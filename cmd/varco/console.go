package main

import (
	"context"
	"log/slog"

	"github.com/varco-anpr/varco/api"
	"github.com/varco-anpr/varco/console"
	"github.com/varco-anpr/varco/internal/config"
)

// mountConsole serves the web console at /console/ on the API's server: every page calls the
// API in-process (api.Server.Do) with the signed-in user's token.
func mountConsole(srv *api.Server, cfg config.Config, log *slog.Logger) error {
	c, err := console.New(console.Deps{
		API: func(ctx context.Context, method, path, token string, body []byte) (int, string, []byte) {
			r := srv.Do(ctx, method, path, token, body)
			return r.Status, r.ContentType, r.Body
		},
		TemporalUIURL: uiURL(cfg),
		Logger:        log,
	})
	if err != nil {
		return err
	}
	c.Mount(srv.App())
	srv.SessionUser = c.UserOf // one sign-in for the console and the Temporal Web UI
	return nil
}
