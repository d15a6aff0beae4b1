// Mirrors CLP's components/webui/packages/server/src/settings.ts (serverSettings, read from
// settings.json there) and the part of src/plugins/external/env.ts this app uses
// (fastify.config, from @fastify/env there); both come from the environment here.

declare module "fastify" {
    export interface FastifyInstance {
        config: {
            CLP_DB_USER: string;
            CLP_DB_PASS: string;
        };
    }
}

const required = (name: string): string => {
    const value = process.env[name];
    if ("undefined" === typeof value) {
        throw new Error(`${name} is not set`);
    }

    return value;
};

const serverSettings = {
    SqlDbHost: required("CLP_DB_HOST"),
    SqlDbName: required("CLP_DB_NAME"),
    SqlDbPort: Number(required("CLP_DB_PORT")),
    SqlDbQueryJobsTableName: "query_jobs",
};

const envConfig = () => ({
    CLP_DB_PASS: required("CLP_DB_PASS"),
    CLP_DB_USER: required("CLP_DB_USER"),
});

export {
    envConfig,
    serverSettings,
};
