package store

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/varco-anpr/varco/internal/errcode"
)

// Environments of a Comune's ANPR access.
const (
	EnvSimulator = "simulator"
	EnvCollaudo  = "collaudo"
	EnvEsercizio = "esercizio"
)

// Operator modes: which operator identity Varco presents to ANPR for a Comune.
const (
	OperatorEndUser        = "end-user"        // the actual AUTORIZZATO (ModI AUDIT_REST_02)
	OperatorComuneOperator = "comune-operator" // the registry operator configured in OperatorID
)

// Roles of a grant.
const (
	RoleTop         = "TOP"
	RoleAdmin       = "ADMIN"
	RoleAutorizzato = "AUTORIZZATO"
)

// Comune is a tenant with its ANPR access profile.
type Comune struct {
	bun.BaseModel `bun:"table:comuni"`

	Code         string `bun:"code,pk"` // codice catastale (Belfiore), e.g. "H501"
	IstatCode    string `bun:"istat_code,notnull"`
	Name         string `bun:"name,notnull"`
	Environment  string `bun:"environment,notnull"`
	PDNDClientID string `bun:"pdnd_client_id,notnull"`
	PDNDKid      string `bun:"pdnd_kid,notnull"`
	// PrivateKeyPEM is the PDND client key; never serialised to JSON.
	PrivateKeyPEM     string            `bun:"private_key_pem,notnull" json:"-"`
	PurposeIDs        map[string]string `bun:"purpose_ids,type:json"` // service code → purposeId
	TokenURL          string            `bun:"token_url,notnull"`
	AssertionAudience string            `bun:"assertion_audience,notnull"`
	ServiceBaseURL    string            `bun:"service_base_url,notnull"`
	AudienceBase      string            `bun:"audience_base,notnull"`
	OperatorMode      string            `bun:"operator_mode,notnull"`
	OperatorID        string            `bun:"operator_id,notnull"`
	CreatedAt         time.Time         `bun:"created_at,notnull"`
}

// Ente is a consuming body; it exists once even when it works with many Comuni.
type Ente struct {
	bun.BaseModel `bun:"table:enti"`

	ID        int64  `bun:"id,pk,autoincrement"`
	Name      string `bun:"name,notnull"`
	CodiceIPA string `bun:"codice_ipa,notnull"`
	// DefaultWorkstation is the ModI userLocation of the Ente's operators when the
	// application names none.
	DefaultWorkstation string `bun:"default_workstation,notnull"`
	// CreatedByComune is the Comune whose TOP registered the Ente ("" for the seed and the
	// CLI): its TOPs see the Ente before any convenzione exists.
	CreatedByComune string    `bun:"created_by_comune,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull"`
}

// Convenzione is the agreement Comune ↔ Ente: which services, when, how many per day.
// ValidFrom and ValidTo are calendar days (see Day); ValidTo is inclusive and zero means
// open-ended.
type Convenzione struct {
	bun.BaseModel `bun:"table:convenzioni"`

	ID         int64     `bun:"id,pk,autoincrement"`
	ComuneCode string    `bun:"comune_code,notnull"`
	EnteID     int64     `bun:"ente_id,notnull"`
	Services   []string  `bun:"services,type:json"`
	ValidFrom  time.Time `bun:"valid_from,notnull"`
	ValidTo    time.Time `bun:"valid_to,nullzero"`
	DailyQuota int       `bun:"daily_quota,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// User is a person who signs in to Varco.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           int64  `bun:"id,pk,autoincrement"`
	Username     string `bun:"username,notnull"`
	DisplayName  string `bun:"display_name,notnull"`
	PasswordHash string `bun:"password_hash,notnull" json:"-"`
	Active       bool   `bun:"active,notnull"`
	// MustChangePassword is set for a one-time password (creation or reset by an
	// administrator) and cleared when the user chooses their own (ChangePassword).
	MustChangePassword bool      `bun:"must_change_password,notnull"`
	CreatedAt          time.Time `bun:"created_at,notnull"`
	UpdatedAt          time.Time `bun:"updated_at,notnull"`
}

// Grant gives a user a role in one Comune, for one Ente (EnteID 0 for TOP). Services is the
// AUTORIZZATO's service profile.
type Grant struct {
	bun.BaseModel `bun:"table:grants"`

	ID         int64    `bun:"id,pk,autoincrement"`
	UserID     int64    `bun:"user_id,notnull"`
	ComuneCode string   `bun:"comune_code,notnull"`
	EnteID     int64    `bun:"ente_id,nullzero"` // NULL in the table for TOP, so the FK holds
	Role       string   `bun:"role,notnull"`
	Services   []string `bun:"services,type:json"`
	// DailyQuota bounds the AUTORIZZATO's allowed queries per Europe/Rome day; 0 = no limit
	// beyond the convenzione's.
	DailyQuota int       `bun:"daily_quota,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
}

// AuditRecord is one request to ANPR as Varco saw it. It never holds a plain codice fiscale:
// SubjectHash is a keyed hash (hex) of the subject's identifier. UserID and EnteID are not
// foreign keys: a denied request by an unknown user is audited too.
type AuditRecord struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID                  int64        `bun:"id,pk,autoincrement"`
	RequestID           string       `bun:"request_id,notnull"`
	CreatedAt           time.Time    `bun:"created_at,notnull"`
	UserID              int64        `bun:"user_id,notnull"`
	EnteID              int64        `bun:"ente_id,notnull"`
	ComuneCode          string       `bun:"comune_code,notnull"`
	Service             string       `bun:"service,notnull"`
	Motivo              string       `bun:"motivo,notnull"`
	Outcome             string       `bun:"outcome,notnull"`
	ErrorCode           errcode.Code `bun:"error_code,notnull"`
	HTTPStatus          int          `bun:"http_status,notnull"`
	IDOperazioneClient  string       `bun:"id_operazione_client,notnull"`
	IDOperazioneANPR    string       `bun:"id_operazione_anpr,notnull"`
	GovWayTransactionID string       `bun:"govway_transaction_id,notnull"`
	VoucherJTI          string       `bun:"voucher_jti,notnull"`
	CorrelationID       string       `bun:"correlation_id,notnull"`
	DurationMS          int64        `bun:"duration_ms,notnull"`
	Workstation         string       `bun:"workstation,notnull"`
	SubjectHash         string       `bun:"subject_hash,notnull"`
	Reason              string       `bun:"reason,notnull"`
	// SubjectHashCF is the keyed hash of the codice fiscale when the request came by codice
	// fiscale and the idANPR was resolved (SubjectHash then hashes the idANPR): a later search
	// by codice fiscale still finds the record.
	SubjectHashCF string `bun:"subject_hash_cf,notnull"`
	// SubjectSealed is the subject's identifier sealed with the secrets key (secretbox,
	// purpose "audit-subject:<comune>"); never the identifier in clear.
	SubjectSealed string `bun:"subject_sealed,notnull"`
	// Seq, PrevHash and Hash chain the Comune's records (auditlog.ChainHash); auditlog.Writer sets them.
	Seq      int64  `bun:"seq,notnull"`
	PrevHash string `bun:"prev_hash,notnull"`
	Hash     string `bun:"hash,notnull"`
	// BatchID names the batch query (issue 16) the request was part of; "" for single queries.
	BatchID string `bun:"batch_id,notnull"`
}

// CasbinRule is one persisted Casbin rule (ptype "g" for Varco's facts). Empty trailing
// values are stored as ” so the unique key covers whole rules.
type CasbinRule struct {
	bun.BaseModel `bun:"table:casbin_rules"`

	ID    int64  `bun:"id,pk,autoincrement"`
	PType string `bun:"ptype,notnull"`
	V0    string `bun:"v0,notnull"`
	V1    string `bun:"v1,notnull"`
	V2    string `bun:"v2,notnull"`
	V3    string `bun:"v3,notnull"`
	V4    string `bun:"v4,notnull"`
	V5    string `bun:"v5,notnull"`
}
