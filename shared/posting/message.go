package posting

import (
	"encoding/json"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
)

// refreshMessage is the refresh queue's message: one company to refresh.
type refreshMessage struct {
	CompanyID string `json:"companyId"`
}

// EncodeRefresh returns the refresh-queue message body asking for one
// company's postings refresh. It is the only writer of that format.
func EncodeRefresh(companyID string) []byte {
	b, _ := json.Marshal(refreshMessage{CompanyID: companyID}) // a struct of one string cannot fail
	return b
}

// DecodeRefresh reads a refresh-queue message body and returns its company
// id. Errors: apperr Invalid naming companyId when the body is not such a
// message or the id breaks the id rule (event.CheckID).
func DecodeRefresh(body []byte) (string, error) {
	var m refreshMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", apperr.InvalidField("companyId", "refresh message is not JSON with a companyId")
	}
	if err := event.CheckID("companyId", m.CompanyID); err != nil {
		return "", err
	}
	return m.CompanyID, nil
}
