package leverfake

// The types below are Lever's JSON shapes as the fake serves them.

// User is a Lever user. DeactivatedAt is nil for active users.
type User struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	Username            string `json:"username"`
	Email               string `json:"email"`
	AccessRole          string `json:"accessRole"`
	Photo               string `json:"photo,omitempty"`
	CreatedAt           int64  `json:"createdAt"`
	DeactivatedAt       *int64 `json:"deactivatedAt"`
	ExternalDirectoryID string `json:"externalDirectoryId,omitempty"`
}

// Active reports whether u is not deactivated.
func (u User) Active() bool { return u.DeactivatedAt == nil }

// Posting is a Lever posting.
type Posting struct {
	ID                   string      `json:"id"`
	Text                 string      `json:"text"`
	State                string      `json:"state"`
	Confidentiality      string      `json:"confidentiality"`
	Categories           Categories  `json:"categories"`
	Tags                 []string    `json:"tags"`
	CreatedAt            int64       `json:"createdAt"`
	UpdatedAt            int64       `json:"updatedAt"`
	URLs                 PostingURLs `json:"urls"`
	User                 string      `json:"user"`
	Owner                string      `json:"owner"`
	HiringManager        string      `json:"hiringManager"`
	DistributionChannels []string    `json:"distributionChannels"`
}

// Categories are a posting's categories.
type Categories struct {
	Team       string `json:"team,omitempty"`
	Department string `json:"department,omitempty"`
	Location   string `json:"location,omitempty"`
	Commitment string `json:"commitment,omitempty"`
	Level      string `json:"level,omitempty"`
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

// Opportunity is a candidacy. Name, Headline, Location, Emails, Phones and
// Links are the contact's (rendered at read time, like Lever).
type Opportunity struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Headline     string   `json:"headline"`
	Contact      string   `json:"contact"`
	Emails       []string `json:"emails"`
	Phones       []Phone  `json:"phones"`
	Location     string   `json:"location"`
	Links        []string `json:"links"`
	Tags         []string `json:"tags"`
	Sources      []string `json:"sources"`
	Origin       string   `json:"origin"`
	Stage        string   `json:"stage"`
	Owner        string   `json:"owner"`
	Followers    []string `json:"followers"`
	Applications []string `json:"applications"`
	Postings     []string `json:"postings"`
	URLs         OppURLs  `json:"urls"`
	CreatedAt    int64    `json:"createdAt"`
	UpdatedAt    int64    `json:"updatedAt"`
	Archived     *struct {
		Reason     string `json:"reason"`
		ArchivedAt int64  `json:"archivedAt"`
	} `json:"archived"`
	// Encoding is how the create arrived: "json" or "multipart" (not Lever's).
	Encoding string `json:"-"`
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

// NoteField is one field of a note.
type NoteField struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Value any    `json:"value"`
}

// File is a file on an opportunity. Data and ContentType are kept for tests
// and not served.
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
	// Resume is true for a resumeFile sent with the create (not Lever's).
	Resume bool `json:"-"`
}
