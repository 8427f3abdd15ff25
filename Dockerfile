# The production image: `varco api`, `worker`, `migrate` and the operator's commands. Built with
# -tags lean, without `varco dev` and `varco simulate` and so without the embedded Temporal
# server, its Web UI and the simulator (docs/performance.md has the size and start figures).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -tags lean -trimpath -ldflags "-s -w" -o /out/varco ./cmd/varco

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/varco /usr/local/bin/varco
USER nonroot
ENTRYPOINT ["/usr/local/bin/varco"]
