//! CLP's API server on MySQL (y-scope/clp), trimmed to its sqlx calls: the
//! pool of components/clp-rust-utils/src/database/mysql.rs
//! (`create_clp_db_mysql_pool`, its error type from src/error.rs) and the six
//! queries of components/api-server/src/client.rs, each on `&self.sql_pool`.

use sqlx::Row;

pub const PENDING: i32 = 0;
pub const RUNNING: i32 = 1;
pub const CANCELLING: i32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("`sqlx::Error`: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("search job {0} not found")]
    SearchJobNotFound(u64),
    #[error("dataset {0} not found")]
    DatasetNotFound(String),
}

/// The database part of CLP's `Config` and `Credentials`.
pub struct Database {
    pub host: String,
    pub port: u16,
    pub name: String,
    pub user: String,
    pub password: String,
}

pub async fn create_clp_db_mysql_pool(
    config: &Database,
    max_connections: u32,
) -> Result<sqlx::MySqlPool, Error> {
    let mysql_options = sqlx::mysql::MySqlConnectOptions::new()
        .host(&config.host)
        .port(config.port)
        .database(&config.name)
        .username(&config.user)
        .password(&config.password);

    Ok(sqlx::mysql::MySqlPoolOptions::new()
        .max_connections(max_connections)
        .connect_with(mysql_options)
        .await?)
}

#[derive(Clone)]
pub struct Client {
    sql_pool: sqlx::Pool<sqlx::MySql>,
}

impl Client {
    pub async fn connect(config: &Database) -> Result<Self, Error> {
        let sql_pool = create_clp_db_mysql_pool(config, 10).await?;
        Ok(Self { sql_pool })
    }

    pub async fn submit_query(&self, job_config: &[u8]) -> Result<u64, Error> {
        let query_result =
            sqlx::query("INSERT INTO `query_jobs` (`job_config`, `type`) VALUES (?, ?)")
                .bind(job_config)
                .bind(0_i32)
                .execute(&self.sql_pool)
                .await?;
        Ok(query_result.last_insert_id())
    }

    pub async fn cancel_search_job(&self, search_job_id: u64) -> Result<(), Error> {
        let result =
            sqlx::query("UPDATE `query_jobs` SET status = ? WHERE id = ? AND status IN (?, ?)")
                .bind(CANCELLING)
                .bind(search_job_id)
                .bind(PENDING)
                .bind(RUNNING)
                .execute(&self.sql_pool)
                .await?;
        if result.rows_affected() == 0 {
            return Err(Error::SearchJobNotFound(search_job_id));
        }
        Ok(())
    }

    pub async fn get_status(&self, search_job_id: u64) -> Result<i32, Error> {
        let row = sqlx::query("SELECT status FROM `query_jobs` WHERE id = ?")
            .bind(search_job_id)
            .fetch_one(&self.sql_pool)
            .await?;
        Ok(row.try_get("status")?)
    }

    pub async fn get_job_config(&self, search_job_id: u64) -> Result<Vec<u8>, Error> {
        let row = sqlx::query("SELECT job_config FROM `query_jobs` WHERE id = ?")
            .bind(search_job_id)
            .fetch_one(&self.sql_pool)
            .await?;
        let msgpack: &[u8] = row.try_get("job_config")?;
        Ok(msgpack.to_vec())
    }

    pub async fn get_timestamp_column_names(
        &self,
        dataset_name: &str,
    ) -> Result<Vec<String>, Error> {
        const TIMESTAMP_NODE_TYPE: i8 = 14;
        const MYSQL_TABLE_NOT_FOUND: u16 = 1146;
        let table_name = format!("clp_{dataset_name}_column_metadata");
        sqlx::query_scalar(&format!("SELECT name FROM `{table_name}` WHERE type = ?"))
            .bind(TIMESTAMP_NODE_TYPE)
            .fetch_all(&self.sql_pool)
            .await
            .map_err(|err| {
                if let sqlx::Error::Database(db_err) = &err {
                    let mysql_err = db_err.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>();
                    if mysql_err.is_some_and(|e| e.number() == MYSQL_TABLE_NOT_FOUND) {
                        return Error::DatasetNotFound(dataset_name.to_owned());
                    }
                }
                err.into()
            })
    }

    /// Per job started in [begin, end) (epoch milliseconds) with one of
    /// `job_statuses`: its id, status and summed task duration.
    pub async fn get_compression_usage(
        &self,
        begin_millisecs: i64,
        end_millisecs: i64,
        job_statuses: &[i32],
        limit: i64,
    ) -> Result<Vec<(i32, i32, f64)>, Error> {
        let placeholders = vec!["?"; job_statuses.len()].join(", ");
        let sql = format!(
            "SELECT j.id, MAX(j.status) AS status, SUM(t.duration) AS tasks_duration \
             FROM compression_jobs j JOIN compression_tasks t ON t.job_id = j.id \
             WHERE j.start_time >= FROM_UNIXTIME(? / 1000) AND j.start_time < FROM_UNIXTIME(? / 1000) \
             AND j.status IN ({placeholders}) \
             GROUP BY j.id ORDER BY MAX(j.start_time) DESC LIMIT ?"
        );
        let mut query = sqlx::query_as::<_, (i32, i32, f64)>(&sql)
            .bind(begin_millisecs)
            .bind(end_millisecs);
        for &status in job_statuses {
            query = query.bind(status);
        }
        query = query.bind(limit);
        query.fetch_all(&self.sql_pool).await.map_err(Into::into)
    }
}
