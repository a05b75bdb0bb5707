package leverfake

import (
	"net/http"
	"slices"
	"strconv"
)

// Recruiter actions Lever's API does not offer, and the lists that show
// them. A stage change (PUT /opportunities/:id/stage), an archive or
// unarchive and a hire (PUT /opportunities/:id/archived with a reason of
// type hired, docs #update-opportunity-archived-state: "If the provided
// reason maps to 'Hired' … the Opportunity will be marked as Hired") go
// through Lever's own API (api.go) and notify the account's webhooks
// (webhook_delivery.go). Deleting a candidate is done in Lever's app only:
// the docs list no delete endpoint for opportunities, only "List deleted
// opportunities"; the fake offers it as Account.DeleteOpportunity and
// DELETE /_admin/accounts/{id}/opportunities/{oid}.

// DeletedOpportunity is one entry of GET /opportunities/deleted: the
// opportunity as it was, with deletedAt and deletedBy ("Note that this
// attribute only appears for deleted Opportunities", docs
// #opportunities attributes). Assumption: the docs show no example answer
// of the deleted list; the fake answers the opportunity object with both.
type DeletedOpportunity struct {
	Opportunity
	DeletedAt int64  `json:"deletedAt"`
	DeletedBy string `json:"deletedBy"`
}

// DeleteOpportunity deletes an opportunity as a recruiter (by, a user id;
// the account's admin when "") would in Lever's app, and notifies
// candidateDeleted with data {opportunityId, candidateId, contactId,
// deletedBy} (LEVER.md §9: "candidateDeleted carries deletedBy"; the ids as
// in the documented candidateStageChange payload). It reports whether the
// opportunity existed.
func (acc *Account) DeleteOpportunity(opportunityID, by string) bool {
	ok := false
	acc.locked(func(a *account) {
		o := a.oppByID[opportunityID]
		if o == nil {
			return
		}
		if by == "" {
			by = a.adminID
		}
		now := acc.f.nowMillis()
		delete(a.oppByID, opportunityID)
		a.opps = slices.DeleteFunc(a.opps, func(x *Opportunity) bool { return x.ID == opportunityID })
		a.deleted = append(a.deleted, DeletedOpportunity{Opportunity: a.render(o), DeletedAt: now, DeletedBy: by})
		acc.f.notifyLocked(a, "candidateDeleted", map[string]any{
			"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.Contact, "deletedBy": by,
		})
		ok = true
	})
	return ok
}

// ChangeStage moves an opportunity to a stage as a recruiter would in
// Lever's app (the same as PUT /opportunities/:id/stage, webhook
// included). It reports whether both exist.
func (acc *Account) ChangeStage(opportunityID, stageID string) bool {
	ok := false
	acc.locked(func(a *account) {
		o := a.oppByID[opportunityID]
		if o == nil || !a.hasStage(stageID) {
			return
		}
		now := acc.f.nowMillis()
		from := o.Stage
		o.Stage = stageID
		o.UpdatedAt, o.LastAdvancedAt = now, now
		o.StageChanges = append(o.StageChanges, StageChange{ToStageID: stageID, ToStageIndex: a.stageIndex(stageID), UpdatedAt: now, UserID: a.adminID})
		acc.f.stageChangedLocked(a, o, from)
		ok = true
	})
	return ok
}

// listDeleted implements GET /opportunities/deleted with deleted_at_start
// and deleted_at_end, each inclusive ("List deleted opportunities":
// "If only deleted_at_start is specified, all Opportunities deleted from
// that timestamp (inclusive) to the present will be included").
func (f *Fake) listDeleted(w http.ResponseWriter, r *http.Request, a *account) {
	start, end, ok := timeRange(w, r, "deleted_at")
	if !ok {
		return
	}
	f.mu.Lock()
	var out []DeletedOpportunity
	for _, d := range a.deleted {
		if d.DeletedAt >= start && d.DeletedAt <= end {
			out = append(out, d)
		}
	}
	f.mu.Unlock()
	pageOf(w, r, out)
}

// timeRange reads <name>_start and <name>_end (epoch milliseconds, both
// inclusive; absent: unbounded), answering 400 for a malformed one.
func timeRange(w http.ResponseWriter, r *http.Request, name string) (start, end int64, ok bool) {
	start, end = 0, int64(1)<<62
	for _, p := range []struct {
		key string
		dst *int64
	}{{name + "_start", &start}, {name + "_end", &end}} {
		v := r.URL.Query().Get(p.key)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			badRequest(w, "Invalid "+p.key)
			return 0, 0, false
		}
		*p.dst = n
	}
	return start, end, true
}
