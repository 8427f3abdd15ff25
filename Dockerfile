# One image for every `varco` subcommand (api, worker, migrate, simulate).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/varco ./cmd/varco

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/varco /usr/local/bin/varco
USER nonroot
ENTRYPOINT ["/usr/local/bin/varco"]
