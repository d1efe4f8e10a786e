//! Small tables beside the log (the accounts') on either engine: each statement written once, with
//! `?1`-style placeholders and types both engines share, and run on SQLite or PostgreSQL.

use std::sync::{Mutex, MutexGuard};

use postgres::types::{ToSql, Type};

/// A parameter or a column's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    Bool(bool),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// SQLite keeps a boolean as 0 or 1.
    pub fn bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::Int(n) => Some(*n != 0),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Value {
        Value::Bytes(b)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableError {
    /// A unique constraint refused the row.
    Taken,
    Other(String),
}

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableError::Taken => f.write_str("the row exists already"),
            TableError::Other(e) => f.write_str(e),
        }
    }
}

impl From<rusqlite::Error> for TableError {
    fn from(e: rusqlite::Error) -> TableError {
        match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                TableError::Taken
            }
            e => TableError::Other(e.to_string()),
        }
    }
}

impl From<postgres::Error> for TableError {
    fn from(e: postgres::Error) -> TableError {
        if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) {
            TableError::Taken
        } else {
            TableError::Other(e.to_string())
        }
    }
}

pub enum Tables {
    Sqlite(Mutex<rusqlite::Connection>),
    Postgres(Mutex<postgres::Client>),
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A statement either ran or did not: a panic elsewhere leaves nothing half-done here.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// `?1` → `$1`: PostgreSQL's placeholders (the statements hold no `?` of their own).
fn numbered(sql: &str) -> String {
    sql.replace('?', "$")
}

fn pg_params(params: &[Value]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|v| -> Box<dyn ToSql + Sync> {
            match v {
                Value::Null => Box::new(None::<String>),
                Value::Int(n) => Box::new(*n),
                Value::Text(s) => Box::new(s.clone()),
                Value::Bytes(b) => Box::new(b.clone()),
                Value::Bool(b) => Box::new(*b),
            }
        })
        .collect()
}

fn sqlite_params(params: &[Value]) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    params
        .iter()
        .map(|v| match v {
            Value::Null => V::Null,
            Value::Int(n) => V::Integer(*n),
            Value::Text(s) => V::Text(s.clone()),
            Value::Bytes(b) => V::Blob(b.clone()),
            Value::Bool(b) => V::Integer(i64::from(*b)),
        })
        .collect()
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value, postgres::Error> {
    let ty = row.columns()[i].type_();
    Ok(if *ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?.map_or(Value::Null, Value::Bool)
    } else if *ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map_or(Value::Null, Value::Int)
    } else if *ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map_or(Value::Null, |n| Value::Int(i64::from(n)))
    } else if *ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map_or(Value::Null, Value::Bytes)
    } else {
        row.try_get::<_, Option<String>>(i)?.map_or(Value::Null, Value::Text)
    })
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as V;
    match v {
        V::Null => Value::Null,
        V::Integer(n) => Value::Int(n),
        V::Real(x) => Value::Text(x.to_string()),
        V::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        V::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

impl Tables {
    /// Runs a statement; the rows it changed.
    pub fn execute(&self, sql: &str, params: &[Value]) -> Result<u64, TableError> {
        match self {
            Tables::Sqlite(conn) => {
                let n = locked(conn).execute(sql, rusqlite::params_from_iter(sqlite_params(params)))?;
                Ok(n as u64)
            }
            Tables::Postgres(client) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(AsRef::as_ref).collect();
                Ok(locked(client).execute(numbered(sql).as_str(), &refs)?)
            }
        }
    }

    /// Runs a query; its rows, each as its columns' values.
    pub fn rows(&self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, TableError> {
        match self {
            Tables::Sqlite(conn) => {
                let conn = locked(conn);
                let mut statement = conn.prepare(sql)?;
                let width = statement.column_count();
                let rows = statement.query_map(rusqlite::params_from_iter(sqlite_params(params)), |r| {
                    (0..width).map(|i| r.get_ref(i).map(sqlite_value)).collect()
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
            Tables::Postgres(client) => {
                let owned = pg_params(params);
                let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(AsRef::as_ref).collect();
                let rows = locked(client).query(numbered(sql).as_str(), &refs)?;
                let read = rows
                    .iter()
                    .map(|r| (0..r.len()).map(|i| pg_value(r, i)).collect::<Result<Vec<_>, _>>())
                    .collect::<Result<_, _>>()?;
                Ok(read)
            }
        }
    }

    /// The first row, if any.
    pub fn row(&self, sql: &str, params: &[Value]) -> Result<Option<Vec<Value>>, TableError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}
