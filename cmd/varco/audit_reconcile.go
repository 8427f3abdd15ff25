package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/varco-anpr/varco/internal/auditlog"
	"github.com/varco-anpr/varco/internal/config"
	"github.com/varco-anpr/varco/internal/store"
)

// errUnreconciled makes `varco audit reconcile` exit non-zero.
var errUnreconciled = errors.New("calls received by ANPR are missing from the audit")

// auditReconcileFlags: `varco audit reconcile -day 2026-12-02 [-calls FILE]` joins one day of
// the audit with the calls ANPR received — in TEST the simulator's log (GET /admin/calls,
// from -simulator-addr), or a JSON file of calls — and lists the calls no record names.
func auditReconcileFlags(fs *flag.FlagSet) commandFunc {
	day := fs.String("day", "", "the Europe/Rome day to reconcile, YYYY-MM-DD (default: today)")
	calls := fs.String("calls", "", `JSON file {"calls":[{"at","service","idOperazioneClient"}]} of the calls ANPR received (default: ask the simulator)`)
	return func(ctx context.Context, cfg config.Config, log *slog.Logger) error {
		d := time.Now().In(store.Rome())
		if *day != "" {
			var err error
			if d, err = time.ParseInLocation(time.DateOnly, *day, store.Rome()); err != nil {
				return fmt.Errorf("-day: want YYYY-MM-DD: %w", err)
			}
		}
		received, err := receivedCalls(ctx, cfg, *calls, d)
		if err != nil {
			return err
		}
		db, err := openStore(ctx, cfg, false)
		if err != nil {
			return err
		}
		defer db.Close()
		r, err := auditlog.Reconcile(ctx, db, d, received)
		if err != nil {
			return err
		}
		if err := json.NewEncoder(stdout).Encode(r); err != nil {
			return err
		}
		if len(r.Unrecorded) > 0 {
			return errUnreconciled
		}
		return nil
	}
}

// receivedCalls reads the calls from the file, or from the simulator's log.
func receivedCalls(ctx context.Context, cfg config.Config, file string, day time.Time) ([]auditlog.Call, error) {
	var got receivedCallsJSON
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("-calls: %w", err)
		}
		if err := json.Unmarshal(b, &got); err != nil {
			return nil, fmt.Errorf("-calls %s: %w", file, err)
		}
	} else if err := fetchSimulatorCalls(ctx, cfg, day, &got); err != nil {
		return nil, err
	}
	return got.Calls, nil
}

// receivedCallsJSON is the simulator's GET /admin/calls answer and the -calls file's form.
type receivedCallsJSON struct {
	Calls []auditlog.Call `json:"calls"`
}

func fetchSimulatorCalls(ctx context.Context, cfg config.Config, day time.Time, into *receivedCallsJSON) error {
	url := simulatorURL(cfg) + "/admin/calls?day=" + day.Format(time.DateOnly)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if cfg.SimAdminToken != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.SimAdminToken)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("simulator calls: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("simulator calls: %s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
