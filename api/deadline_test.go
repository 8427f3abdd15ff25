package api

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/varco-anpr/varco/internal/errcode"
	"github.com/varco-anpr/varco/workflows"
)

// stalledClient starts the workflow and then reports err while waiting for it: what a
// request held past its deadline looks like, whichever layer notices first.
type stalledClient struct {
	client.Client
	err error
}

func (c stalledClient) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return stalledRun{err: c.err}, nil
}

type stalledRun struct {
	client.WorkflowRun
	err error
}

func (r stalledRun) Get(context.Context, any) error { return r.err }

// TestDeadlineIs504: a deadline seen by the SDK or the server before our own context expires
// is 504 request_timeout with the request id, like our own; only other failures are 503.
func TestDeadlineIs504(t *testing.T) {
	s := New(Deps{RequestTimeout: time.Minute, Logger: discard()})
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"context deadline", fmt.Errorf("get result: %w", context.DeadlineExceeded), errcode.Timeout.String()},
		{"frontend DeadlineExceeded", serviceerror.NewDeadlineExceeded("context deadline exceeded"), errcode.Timeout.String()},
		{"gRPC status", status.Error(codes.DeadlineExceeded, "deadline"), errcode.Timeout.String()},
		{"workflow failed", errors.New("workflow execution failed"), errcode.Unavailable.String()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.runQuery(context.Background(), stalledClient{err: tc.err}, workflows.QueryInput{RequestID: "rq-h501-held"})
			var ae *apiError
			if !errors.As(err, &ae) || string(ae.code) != tc.want || ae.requestID != "rq-h501-held" {
				t.Fatalf("got %v, want %s with the request id", err, tc.want)
			}
		})
	}
}
