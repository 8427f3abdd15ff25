package codec

import (
	"encoding/base64"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/proto"
)

// BlobNamespace is the key domain of data kept outside Temporal under a purpose (a batch's
// results): keys derived like a namespace's, under a name no namespace has.
func BlobNamespace(purpose string) string { return "blob:" + purpose }

// SealBlob encrypts plain with the ring's current key, bound to purpose, as text for a
// database column. The ring's retired keys keep opening it after a rotation.
func (c *Codec) SealBlob(purpose string, plain []byte) (string, error) {
	b, err := c.ForNamespace(BlobNamespace(purpose))
	if err != nil {
		return "", err
	}
	out, err := b.Encode([]*commonpb.Payload{{Data: plain}})
	if err != nil {
		return "", err
	}
	raw, err := proto.Marshal(out[0])
	if err != nil {
		return "", fmt.Errorf("codec seal blob: %w", err)
	}
	return base64.RawStdEncoding.EncodeToString(raw), nil
}

// OpenBlob decrypts what SealBlob sealed for the same purpose.
func (c *Codec) OpenBlob(purpose, sealed string) ([]byte, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("codec open blob: %w", err)
	}
	var p commonpb.Payload
	if err := proto.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("codec open blob: %w", err)
	}
	if string(p.GetMetadata()[MetadataNamespace]) != BlobNamespace(purpose) {
		return nil, errors.New("codec open blob: sealed for another purpose")
	}
	b, err := c.Strict().ForNamespace(BlobNamespace(purpose))
	if err != nil {
		return nil, err
	}
	out, err := b.Decode([]*commonpb.Payload{&p})
	if err != nil {
		return nil, err
	}
	return out[0].GetData(), nil
}
