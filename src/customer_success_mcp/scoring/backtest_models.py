"""What a backtest returns: how well the scores separated the accounts that churned from the rest."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

# The metrics in words, once: the report carries them, so a reader never has to guess what a figure means.
DEFINITIONS: dict[str, str] = {
    "churner": "an account whose outcome is the target ('churned', or with churned_or_downgraded also "
    "'downgraded'); the others with an outcome are retained",
    "roc_auc": "the chance that a churner scores as riskier than a retained account (ties count half): 0.5 "
    "is a coin toss, 1 separates them perfectly, below 0.5 the score points the wrong way",
    "average_precision": "precision averaged over the churners as the flag line moves down the ranking, each "
    "distinct score weighted by the share of churners it adds: compare with the churn rate (what a random "
    "ranking scores)",
    "ks": "the largest gap between the cumulative score distributions of churners and retained accounts, "
    "0 (the same) to 1 (fully apart)",
    "deciles": "accounts sorted riskiest first (health: lowest first) into ten equal groups; tied scores "
    "share a group (placed by the middle of the positions they span), so groups can differ in size and "
    "some may be empty",
    "lift": "a decile's churn rate over the overall churn rate (2 = twice as many churners as average)",
    "cumulative_capture": "the share of all churners found in this decile and the riskier ones",
    "lead_time": "the share of churners whose health was yellow or red at least lead_days before they "
    "churned, among those scored that early (the framework's calibration test)",
    "separators": "each health dimension (lower = riskier), churn category and churn signal ranked by its "
    "own ROC AUC: which inputs tell churners apart best",
    "cutoffs": "flagging every account at or above a churn-risk score (or at or below a health score): the "
    "churners caught (recall), the share of flagged accounts that churned (precision), and the cost in "
    "accounts and ARR flagged",
}


class Separation(BaseModel):
    """How well one score separated churners from retained accounts (rates and shares in this report are
    rounded to 4 decimals; roc_auc, average_precision and ks are given in full)."""

    accounts: int = Field(description="Accounts with an outcome and a score")
    churners: int
    churn_rate: float = Field(description="churners / accounts")
    roc_auc: float | None = Field(description="See definitions.roc_auc; null without both groups")
    average_precision: float | None = Field(description="See definitions.average_precision")
    ks: float | None = Field(description="See definitions.ks")


class Decile(BaseModel):
    decile: int = Field(description="1 = the riskiest tenth")
    accounts: int
    churners: int
    churn_rate: float
    lift: float | None
    cumulative_capture: float | None
    score_low: float = Field(description="Lowest score in the decile (health or churn risk, as shown)")
    score_high: float


class GroupRate(BaseModel):
    """Observed churn in one risk tier, health class or score band."""

    group: str
    accounts: int = Field(description="Accounts in the group with an outcome")
    churners: int
    churn_rate: float | None = Field(description="churners / accounts; null for an empty group")
    arr: float = Field(description="ARR of the accounts with an outcome")
    arr_churned: float = Field(description="ARR of the churners")


class LeadTime(BaseModel):
    lead_days: int = Field(description="From the profile (backtest.lead_days)")
    churners: int = Field(description="Churners with a churn date")
    scored_in_time: int = Field(
        description="Churners with a health score at least lead_days before they churned"
    )
    caught: int = Field(description="Of those, yellow or red at that score")
    share_caught: float | None = Field(
        description="caught / scored_in_time; null when none was scored in time"
    )
    scorings_used: list[dt.date] = Field(description="The as_of dates of the scorings looked at")
    note: str | None = None


class ScoreBacktest(BaseModel):
    """One score (churn risk or health) against the outcomes."""

    score: str = Field(description="churn_risk (higher = riskier) or health (lower = riskier)")
    overall: Separation | None = Field(description="Null when there are too few outcomes to say")
    excluded: int = Field(0, description="Accounts with an outcome left out: health insufficient_data")
    deciles: list[Decile] = Field(default_factory=list, description="See definitions.deciles")


class Separator(BaseModel):
    input: str = Field(description="dimension:<name>, category:<name> or signal:<name>")
    label: str
    roc_auc: float | None
    accounts: int


class Cutoff(BaseModel):
    rule: str = Field(description="Which accounts are flagged, e.g. 'churn risk >= 60 (high tier floor)'")
    suggested: bool = Field(description="True for the cut-off suggested for the target recall")
    flagged: int
    flagged_arr: float
    caught: int = Field(description="Churners flagged")
    caught_arr: float
    missed: int = Field(description="Churners not flagged")
    missed_arr: float
    false_alarms: int = Field(description="Flagged accounts that did not churn: the cost of the rule")
    recall: float | None
    precision: float | None


class SegmentBacktest(BaseModel):
    segment: str
    accounts: int = Field(description="Accounts of the segment with an outcome")
    churners: int
    churn_risk: Separation | None
    health: Separation | None
    risk_tiers: list[GroupRate] = Field(default_factory=list, description="With detail='full'")
    health_classes: list[GroupRate] = Field(default_factory=list, description="With detail='full'")
    lead_time_share: float | None = Field(description="See lead_time, for this segment")
    deciles_churn_risk: list[Decile] = Field(default_factory=list, description="With detail='full'")
    note: str | None = Field(None, description="Why figures are missing, when they are")


class OutcomeCoverage(BaseModel):
    """Every outcome and every account accounted for."""

    accounts: int = Field(description="Accounts in the portfolio")
    with_outcome: int = Field(description="Accounts with an outcome dated after as_of (used)")
    without_outcome: int = Field(description="Accounts with no usable outcome (left out)")
    renewed: int
    churned: int
    downgraded: int
    unknown_ids: int = Field(description="Outcomes naming accounts the portfolio does not hold (left out)")
    first_unknown_ids: list[str] = Field(default_factory=list)
    on_or_before_as_of: int = Field(
        description="Outcomes dated on or before as_of: the score cannot have predicted them (left out)"
    )


class BacktestReport(BaseModel):
    as_of: dt.date = Field(description="The scoring date of the scores tested")
    profile: str
    target: str = Field(description="What counts as a churner: churned, or churned_or_downgraded")
    outcomes: OutcomeCoverage
    churn_risk: ScoreBacktest
    health: ScoreBacktest
    risk_tiers: list[GroupRate] = Field(description="Observed churn per churn-risk tier")
    health_classes: list[GroupRate] = Field(description="Observed churn per health class")
    lead_time: LeadTime
    segments: list[SegmentBacktest]
    separators: list[Separator] = Field(
        description="Best first; see definitions.separators (the first 10 unless detail='full')"
    )
    separators_total: int = Field(description="Inputs ranked in all")
    cutoffs: list[Cutoff] = Field(description="The current tier floors and the suggested cut-off")
    target_recall: float
    notes: list[str] = Field(default_factory=list)
    definitions: dict[str, str] = Field(default_factory=lambda: dict(DEFINITIONS))


class BacktestBrief(BaseModel):
    """The headline of a backtest, for before/after comparisons."""

    churn_risk: Separation | None
    health: Separation | None
    risk_tiers: list[GroupRate]
    health_classes: list[GroupRate]

    @classmethod
    def of(cls, report: BacktestReport) -> BacktestBrief:
        return cls(churn_risk=report.churn_risk.overall, health=report.health.overall,
                   risk_tiers=report.risk_tiers, health_classes=report.health_classes)  # fmt: skip
