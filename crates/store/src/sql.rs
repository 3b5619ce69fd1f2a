//! Queries assembled from the filters actually given, so that each one can
//! use its index: an "optional filter" written `($1 IS NULL OR col = $1)`
//! forces a full scan on both backends. Parameters are bound in order by
//! [`bind_all!`], the same way on SQLite and PostgreSQL.

use parcours_domain::access::PersonScope;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug)]
pub enum Param {
    Bool(bool),
    Int(i64),
    Text(String),
    Uuid(Uuid),
    Date(Date),
    Time(OffsetDateTime),
    // Typed NULLs: PostgreSQL checks a parameter's type against its column.
    MaybeText(Option<String>),
    MaybeUuid(Option<Uuid>),
    MaybeDate(Option<Date>),
    MaybeTime(Option<OffsetDateTime>),
}

impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}
impl From<Option<OffsetDateTime>> for Param {
    fn from(v: Option<OffsetDateTime>) -> Self {
        Param::MaybeTime(v)
    }
}
impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_owned())
    }
}
impl From<Uuid> for Param {
    fn from(v: Uuid) -> Self {
        Param::Uuid(v)
    }
}
impl From<Date> for Param {
    fn from(v: Date) -> Self {
        Param::Date(v)
    }
}
impl From<OffsetDateTime> for Param {
    fn from(v: OffsetDateTime) -> Self {
        Param::Time(v)
    }
}
impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Param::MaybeText(v)
    }
}
impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        Param::MaybeText(v.map(str::to_owned))
    }
}
impl From<Option<Uuid>> for Param {
    fn from(v: Option<Uuid>) -> Self {
        Param::MaybeUuid(v)
    }
}
impl From<Option<Date>> for Param {
    fn from(v: Option<Date>) -> Self {
        Param::MaybeDate(v)
    }
}

/// Where a query finds a file's organisation, territory and id.
pub(crate) struct ScopeColumns {
    pub organisation: &'static str,
    pub territory: &'static str,
    pub person: &'static str,
}

pub(crate) const PERSONS: ScopeColumns = ScopeColumns {
    organisation: "p.responsible_organisation_id",
    territory: "p.territory_id",
    person: "p.id",
};

/// The copies carried by `person_name_tokens t` (the name search).
pub(crate) const TOKENS: ScopeColumns = ScopeColumns {
    organisation: "t.responsible_organisation_id",
    territory: "t.territory_id",
    person: "t.person_id",
};

/// The copies carried by `person_clocks k`.
pub(crate) const CLOCKS: ScopeColumns = ScopeColumns {
    organisation: "k.organisation_id",
    territory: "k.territory_id",
    person: "k.person_id",
};

/// SQL text with `$n` placeholders and the values they stand for.
#[derive(Default)]
pub(crate) struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

/// Binds every parameter of a [`Sql`] to a query, in order.
macro_rules! bind_all {
    ($query:expr, $sql:expr) => {{
        let mut query = $query;
        for param in &$sql.params {
            query = match param {
                $crate::sql::Param::Bool(v) => query.bind(*v),
                $crate::sql::Param::Int(v) => query.bind(*v),
                $crate::sql::Param::Text(v) => query.bind(v.clone()),
                $crate::sql::Param::Uuid(v) => query.bind(*v),
                $crate::sql::Param::Date(v) => query.bind(*v),
                $crate::sql::Param::Time(v) => query.bind($crate::Moment(*v)),
                $crate::sql::Param::MaybeText(v) => query.bind(v.clone()),
                $crate::sql::Param::MaybeUuid(v) => query.bind(*v),
                $crate::sql::Param::MaybeDate(v) => query.bind(*v),
                $crate::sql::Param::MaybeTime(v) => query.bind(v.map($crate::Moment)),
            };
        }
        query
    }};
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends `text` then a placeholder for `value`.
    pub fn bind(&mut self, text: &str, value: impl Into<Param>) -> &mut Sql {
        self.params.push(value.into());
        self.text.push_str(text);
        self.text.push_str(&format!("${}", self.params.len()));
        self
    }

    /// Appends ` AND <the files the scope covers>` over `persons p`.
    pub fn scope(&mut self, scope: &PersonScope) -> &mut Sql {
        self.scope_or(scope, &PERSONS, None)
    }

    /// Like [`Sql::scope`] over the given columns, or also the rows whose
    /// `also` column is `organisation` (within the scope's territory).
    pub fn scope_or(
        &mut self,
        scope: &PersonScope,
        columns: &ScopeColumns,
        also: Option<(&str, Uuid)>,
    ) -> &mut Sql {
        if scope.all {
            return self;
        }
        let mut alternatives = 0;
        self.push(" AND (");
        let mut alternative = |sql: &mut Sql, column: &str, organisation: Uuid| {
            if alternatives > 0 {
                sql.push(" OR ");
            }
            alternatives += 1;
            sql.bind(&format!("({column} = "), organisation);
            if let Some(territory) = scope.territory_id {
                sql.bind(&format!(" AND {} = ", columns.territory), territory);
            }
            sql.push(")");
        };
        if let Some(organisation) = scope.organisation_id {
            alternative(self, columns.organisation, organisation);
        }
        if let Some((column, organisation)) = also {
            alternative(self, column, organisation);
        }
        if let Some(referent) = scope.referent_id {
            if alternatives > 0 {
                self.push(" OR ");
            }
            alternatives += 1;
            let caseload = format!(
                "{} IN (SELECT person_id FROM referent_assignments WHERE ends_on IS NULL AND referent_id = ",
                columns.person
            );
            self.bind(&caseload, referent).push(")");
        }
        if let Some(team) = scope.team_organisation_id {
            if alternatives > 0 {
                self.push(" OR ");
            }
            alternatives += 1;
            let followed = format!(
                "{} IN (SELECT ra.person_id FROM users u JOIN referent_assignments ra ON ra.referent_id = u.id \
                 WHERE ra.ends_on IS NULL AND u.organisation_id = ",
                columns.person
            );
            self.bind(&followed, team).push(")");
        }
        if alternatives == 0 {
            self.push("1 = 0");
        }
        self.push(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_parameters() {
        let org = Uuid::from_u128(1);
        let scope = PersonScope {
            all: false,
            organisation_id: Some(org),
            territory_id: None,
            referent_id: Some(Uuid::from_u128(2)),
            team_organisation_id: None,
        };
        let mut sql = Sql::new("SELECT 1 FROM persons p WHERE p.closed_on IS NULL");
        sql.bind(" AND p.birth_date = ", time::macros::date!(1979 - 05 - 12))
            .scope(&scope);
        assert_eq!(
            sql.text,
            "SELECT 1 FROM persons p WHERE p.closed_on IS NULL AND p.birth_date = $1 AND ((p.responsible_organisation_id = $2) \
             OR p.id IN (SELECT person_id FROM referent_assignments WHERE ends_on IS NULL AND referent_id = $3))"
        );
        assert_eq!(sql.params.len(), 3);
    }

    #[test]
    fn a_team_adds_the_people_its_referents_follow() {
        let team = PersonScope {
            all: false,
            organisation_id: Some(Uuid::from_u128(1)),
            territory_id: Some(Uuid::from_u128(3)),
            referent_id: None,
            team_organisation_id: Some(Uuid::from_u128(1)),
        };
        let mut sql = Sql::new("x");
        sql.scope(&team);
        assert_eq!(
            sql.text,
            "x AND ((p.responsible_organisation_id = $1 AND p.territory_id = $2) \
             OR p.id IN (SELECT ra.person_id FROM users u JOIN referent_assignments ra ON ra.referent_id = u.id \
             WHERE ra.ends_on IS NULL AND u.organisation_id = $3))"
        );
    }

    #[test]
    fn everything_adds_nothing_and_nothing_matches_nothing() {
        let all = PersonScope {
            all: true,
            organisation_id: None,
            territory_id: None,
            referent_id: None,
            team_organisation_id: None,
        };
        assert_eq!(Sql::new("x").scope(&all).text, "x");
        let none = PersonScope { all: false, ..all };
        assert_eq!(Sql::new("x").scope(&none).text, "x AND (1 = 0)");
    }
}
