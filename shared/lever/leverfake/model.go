package leverfake

import (
	"strconv"
	"strings"
)

// The types below are Lever's JSON shapes as the fake serves them. Their
// field sets follow the responses recorded from a real Lever sandbox
// (shared/lever/testdata/lever/recorded-*.json); the shape test in
// shared/lever compares them key by key.

// User is a Lever user (recorded users.json). DeactivatedAt is nil for
// active users; the recorded nullable fields are pointers.
type User struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Username            string   `json:"username"`
	Email               string   `json:"email"`
	AccessRole          string   `json:"accessRole"`
	Photo               *string  `json:"photo"`
	CreatedAt           int64    `json:"createdAt"`
	DeactivatedAt       *int64   `json:"deactivatedAt"`
	ExternalDirectoryID *string  `json:"externalDirectoryId"`
	LinkedContactIDs    []string `json:"linkedContactIds"` // null when none (recorded)
	JobTitle            *string  `json:"jobTitle"`
	ManagerID           *string  `json:"managerId"`
}

// Active reports whether u is not deactivated.
func (u User) Active() bool { return u.DeactivatedAt == nil }

// Posting is a Lever posting (recorded posting-closed.json; docs
// #retrieve-a-single-posting). DistributionChannels and URLs are null on a
// closed posting (recorded); Content is served by GET /postings/:id and by
// lists only with include=content (docs #list-all-postings "include").
type Posting struct {
	ID                   string          `json:"id"`
	Text                 string          `json:"text"`
	State                string          `json:"state"`
	DistributionChannels []string        `json:"distributionChannels"`
	User                 string          `json:"user"`
	Owner                string          `json:"owner"`
	HiringManager        string          `json:"hiringManager"`
	Categories           Categories      `json:"categories"`
	Tags                 []string        `json:"tags"`
	Content              *PostingContent `json:"content,omitempty"`
	Country              string          `json:"country"`
	Followers            []string        `json:"followers"`
	ReqCode              string          `json:"reqCode"`
	RequisitionCodes     []string        `json:"requisitionCodes"`
	URLs                 *PostingURLs    `json:"urls"`
	Confidentiality      string          `json:"confidentiality"`
	CreatedAt            int64           `json:"createdAt"`
	UpdatedAt            int64           `json:"updatedAt"`
	WorkplaceType        string          `json:"workplaceType"`
	// Salary fields are served when the posting has them (docs
	// #retrieve-a-single-posting); the recorded posting has none and no
	// such keys, so they are omitted when empty.
	SalaryDescription     string       `json:"salaryDescription,omitempty"`
	SalaryDescriptionHTML string       `json:"salaryDescriptionHtml,omitempty"`
	SalaryRange           *SalaryRange `json:"salaryRange,omitempty"`
}

// SalaryRange is a posting's salary range (docs #create-a-posting
// "salaryRange": "if one child field is filled out they all must be
// filled out").
type SalaryRange struct {
	Max      float64 `json:"max"`
	Min      float64 `json:"min"`
	Currency string  `json:"currency"`
	Interval string  `json:"interval"`
}

// Categories are a posting's categories. Level is deprecated and null on
// the recorded posting.
type Categories struct {
	Team         string   `json:"team"`
	Department   string   `json:"department"`
	Location     string   `json:"location"`
	Commitment   string   `json:"commitment"`
	Level        *string  `json:"level"`
	AllLocations []string `json:"allLocations"`
}

// PostingContent is a posting's description (recorded posting-closed.json).
type PostingContent struct {
	Description     string        `json:"description"`
	DescriptionHTML string        `json:"descriptionHtml"`
	Lists           []ContentList `json:"lists"`
	Closing         string        `json:"closing"`
	ClosingHTML     string        `json:"closingHtml"`
}

// ContentList is one list of a posting's content.
type ContentList struct {
	Text    string `json:"text"`
	Content string `json:"content"`
}

// PostingURLs are a posting's public links.
type PostingURLs struct {
	List  string `json:"list"`
	Show  string `json:"show"`
	Apply string `json:"apply"`
}

// Stage is a pipeline stage.
type Stage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Phone is a typed phone number.
type Phone struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}

// Contact is a person; opportunities point at it by id.
type Contact struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Headline string   `json:"headline"`
	Location string   `json:"location"`
	Emails   []string `json:"emails"`
	Phones   []Phone  `json:"phones"`
	Links    []string `json:"links"`
}

// Opportunity is a candidacy, with the fields of the recorded
// opportunity-archived.json (which has "applications" and no "postings").
// Name, Headline, Location, Emails, Phones and Links are the contact's
// (rendered at read time, like Lever).
type Opportunity struct {
	ID                string        `json:"id"`
	Name              string        `json:"name"`
	Contact           string        `json:"contact"`
	Headline          string        `json:"headline"`
	Stage             string        `json:"stage"`
	Confidentiality   string        `json:"confidentiality"`
	Location          string        `json:"location"`
	Phones            []Phone       `json:"phones"`
	Emails            []string      `json:"emails"`
	Links             []string      `json:"links"`
	Archived          *Archived     `json:"archived"`
	Tags              []string      `json:"tags"`
	Sources           []string      `json:"sources"`
	StageChanges      []StageChange `json:"stageChanges"`
	Origin            string        `json:"origin"`
	SourcedBy         *string       `json:"sourcedBy"`
	Owner             string        `json:"owner"`
	Followers         []string      `json:"followers"`
	Applications      []string      `json:"applications"`
	CreatedAt         int64         `json:"createdAt"`
	UpdatedAt         int64         `json:"updatedAt"`
	LastInteractionAt int64         `json:"lastInteractionAt"`
	LastAdvancedAt    int64         `json:"lastAdvancedAt"`
	SnoozedUntil      *int64        `json:"snoozedUntil"`
	URLs              OppURLs       `json:"urls"`
	IsAnonymized      bool          `json:"isAnonymized"`
	DataProtection    *struct{}     `json:"dataProtection"` // always null in the fake
	// Postings holds the posting of the opportunity's application (at most
	// one). Fake bookkeeping, not served: Lever sends no postings field.
	Postings []string `json:"-"`
	// Encoding is how the create arrived: "json" or "multipart" (not Lever's).
	Encoding string `json:"-"`
}

// Archived is an opportunity's archive state (recorded).
type Archived struct {
	Reason     string `json:"reason"`
	ArchivedAt int64  `json:"archivedAt"`
}

// StageChange is one entry of stageChanges (recorded).
type StageChange struct {
	ToStageID    string `json:"toStageId"`
	ToStageIndex int    `json:"toStageIndex"`
	UpdatedAt    int64  `json:"updatedAt"`
	UserID       string `json:"userId"`
}

// ArchiveReason is an archive reason (docs #archive-reasons).
type ArchiveReason struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status string `json:"status"`
	Type   string `json:"type"`
}

// OppURLs are an opportunity's app links.
type OppURLs struct {
	List string `json:"list"`
	Show string `json:"show"`
}

// Note is a note on an opportunity.
type Note struct {
	ID          string      `json:"id"`
	Text        string      `json:"text"`
	Fields      []NoteField `json:"fields"`
	User        string      `json:"user"`
	Secret      bool        `json:"secret"`
	CreatedAt   int64       `json:"createdAt"`
	CompletedAt *int64      `json:"completedAt"`
	DeletedAt   *int64      `json:"deletedAt"`
}

// NoteField is one field of a note (docs #list-all-notes: type, text,
// value, createdAt, user, score, stage).
type NoteField struct {
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Value     any     `json:"value"`
	CreatedAt int64   `json:"createdAt"`
	User      *string `json:"user"`
	Score     *int    `json:"score"`
	Stage     string  `json:"stage"`
}

// File is a file on an opportunity. Data and ContentType are kept for tests
// and not served; see fileJSON for the wire form.
type File struct {
	ID          string `json:"id"`
	DownloadURL string `json:"downloadUrl"`
	Ext         string `json:"ext"`
	Name        string `json:"name"`
	UploadedAt  int64  `json:"uploadedAt"`
	Status      string `json:"status"`
	Size        int64  `json:"size"`
	ContentType string `json:"-"`
	Data        []byte `json:"-"`
	// Resume is true for a resumeFile sent with the create (not Lever's):
	// it is listed by /resumes, not /files.
	Resume bool `json:"-"`
}

// fileJSON is a file as Lever's docs show it on upload and in lists
// (#upload-a-single-file, #list-all-files): uploadedAt and size as strings,
// ext with its dot.
type fileJSON struct {
	ID          string `json:"id"`
	DownloadURL string `json:"downloadUrl"`
	Ext         string `json:"ext"`
	Name        string `json:"name"`
	UploadedAt  string `json:"uploadedAt"`
	Status      string `json:"status"`
	Size        string `json:"size"`
}

func (fl File) wire() fileJSON {
	return fileJSON{
		ID: fl.ID, DownloadURL: fl.DownloadURL, Ext: "." + fl.Ext, Name: fl.Name,
		UploadedAt: strconv.FormatInt(fl.UploadedAt, 10), Status: fl.Status, Size: strconv.FormatInt(fl.Size, 10),
	}
}

// resumeJSON is a resume as GET /opportunities/:id/resumes lists it
// (#list-all-resumes): numbers as numbers, ext without a dot. The fake
// parses nothing, so parsedData has empty positions and schools.
type resumeJSON struct {
	ID         string         `json:"id"`
	CreatedAt  int64          `json:"createdAt"`
	File       resumeFileJSON `json:"file"`
	ParsedData parsedData     `json:"parsedData"`
}

type resumeFileJSON struct {
	Name        string `json:"name"`
	Ext         string `json:"ext"`
	DownloadURL string `json:"downloadUrl"`
	UploadedAt  int64  `json:"uploadedAt"`
	Status      string `json:"status"`
	Size        int64  `json:"size"`
}

type parsedData struct {
	Positions []any `json:"positions"`
	Schools   []any `json:"schools"`
}

func (fl File) resume(oppID string) resumeJSON {
	return resumeJSON{
		ID: fl.ID, CreatedAt: fl.UploadedAt,
		File: resumeFileJSON{
			Name: fl.Name, Ext: fl.Ext, UploadedAt: fl.UploadedAt, Status: fl.Status, Size: fl.Size,
			DownloadURL: strings.Replace(fl.DownloadURL, "/files/", "/resumes/", 1),
		},
		ParsedData: parsedData{Positions: []any{}, Schools: []any{}},
	}
}
