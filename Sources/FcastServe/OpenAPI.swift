/// The OpenAPI 3.0 document of the server, served at /v1/openapi.json; a test checks every
/// route and every response shape against it.
public enum OpenAPIDocument {
    public static let json = #"""
{
  "openapi": "3.0.3",
  "info": {"title": "fcast serve", "version": "1", "description": "Forecasts from the newest version of a model store (written by save())."},
  "paths": {
    "/v1/health": {
      "get": {
        "operationId": "health",
        "responses": {
          "200": {"description": "The served version", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
        }
      }
    },
    "/v1/series": {
      "get": {
        "operationId": "listSeries",
        "parameters": [
          {"name": "offset", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000}},
          {"name": "limit", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}
        ],
        "responses": {
          "200": {"description": "A page of series", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesPage"}}}},
          "400": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/series/{id}": {
      "get": {
        "operationId": "getSeries",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "example": "NSWMetro"}],
        "responses": {
          "200": {"description": "A series, its model and the forecast stored at save time", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SeriesDetail"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/forecast": {
      "post": {
        "operationId": "forecast",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ForecastRequest"}}}},
        "responses": {
          "200": {"description": "Forecasts of the known series that could forecast; the others in errors", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ForecastResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/openapi.json": {
      "get": {
        "operationId": "openapi",
        "responses": {"200": {"description": "This document", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    }
  },
  "components": {
    "responses": {
      "Error": {"description": "Bad input", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["error"], "additionalProperties": false, "properties": {"error": {"type": "string"}}},
      "Health": {
        "type": "object", "required": ["status", "version", "series", "models"], "additionalProperties": false,
        "properties": {"status": {"type": "string", "enum": ["ok"]}, "version": {"type": "integer"}, "series": {"type": "integer"}, "models": {"type": "integer"}}
      },
      "SeriesSummary": {
        "type": "object", "required": ["id", "model", "description", "score", "metric", "regressors"],
        "properties": {
          "id": {"type": "string"}, "model": {"type": "string"}, "description": {"type": "string"},
          "score": {"type": "number", "nullable": true}, "metric": {"type": "string", "nullable": true},
          "regressors": {"type": "array", "items": {"type": "string"}, "description": "The exogenous regressors the model uses: a forecast needs their future values (empty: none)"},
          "error": {"type": "string"}
        }
      },
      "SeriesPage": {
        "type": "object", "required": ["total", "offset", "limit", "next", "series"], "additionalProperties": false,
        "properties": {
          "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
          "next": {"type": "integer", "nullable": true},
          "series": {"type": "array", "items": {"$ref": "#/components/schemas/SeriesSummary"}}
        }
      },
      "Bands": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "number", "nullable": true}}},
      "StoredForecast": {
        "type": "object", "required": ["horizon", "level", "ds", "mean", "lo", "hi"], "additionalProperties": false,
        "properties": {
          "horizon": {"type": "integer"}, "level": {"type": "array", "items": {"type": "number"}},
          "ds": {"type": "array", "items": {"type": "string"}},
          "mean": {"type": "array", "items": {"type": "number", "nullable": true}},
          "lo": {"$ref": "#/components/schemas/Bands"}, "hi": {"$ref": "#/components/schemas/Bands"}
        }
      },
      "SeriesDetail": {
        "type": "object", "required": ["id", "model", "description", "score", "metric", "regressors", "stored"],
        "properties": {
          "id": {"type": "string"}, "model": {"type": "string"}, "description": {"type": "string"},
          "score": {"type": "number", "nullable": true}, "metric": {"type": "string", "nullable": true},
          "regressors": {"type": "array", "items": {"type": "string"}, "description": "The exogenous regressors the model uses: a forecast needs their future values (empty: none)"},
          "error": {"type": "string"}, "stored": {"$ref": "#/components/schemas/StoredForecast"}
        }
      },
      "ForecastRequest": {
        "type": "object", "required": ["ids", "horizon"],
        "example": {"ids": ["NSWMetro", "QLDMetro"], "horizon": 4, "level": [80, 95]},
        "properties": {
          "ids": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"type": "string"}},
          "horizon": {"type": "integer", "minimum": 1, "maximum": 1000},
          "level": {"type": "array", "maxItems": 10, "items": {"type": "number", "minimum": 0.000001, "maximum": 99.999999}},
          "regressors": {
            "type": "object",
            "description": "Future values of the regressors, per series id (each in ids), per regressor name: at least horizon numbers, the first horizon used. Needed for every asked series whose model uses regressors (GET /v1/series/{id} lists them; 422 naming the series and regressor when missing or short); not used for a series whose model uses none.",
            "example": {"north": {"income": [0.52, 0.40, 1.2, 2.2], "promo": [0, 0, 1, 0]}},
            "additionalProperties": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "number"}}}
          }
        }
      },
      "Forecast": {
        "type": "object", "required": ["id", "model", "ds", "mean", "lo", "hi"], "additionalProperties": false,
        "properties": {
          "id": {"type": "string"}, "model": {"type": "string"},
          "ds": {"type": "array", "items": {"type": "string"}},
          "mean": {"type": "array", "items": {"type": "number"}},
          "lo": {"$ref": "#/components/schemas/Bands"}, "hi": {"$ref": "#/components/schemas/Bands"}
        }
      },
      "ForecastError": {
        "type": "object", "required": ["id", "error"], "additionalProperties": false,
        "properties": {"id": {"type": "string"}, "error": {"type": "string"}}
      },
      "ForecastResponse": {
        "type": "object", "required": ["forecasts", "errors"], "additionalProperties": false,
        "properties": {
          "forecasts": {"type": "array", "items": {"$ref": "#/components/schemas/Forecast"}},
          "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ForecastError"}}
        }
      }
    }
  }
}
"""#
}
