import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def load_data(train_path, val_path, test_path):
    """Read the three splits."""
    return pd.read_csv(train_path), pd.read_csv(val_path), pd.read_csv(test_path)


def preprocess_data(train_data, val_data, test_data):
    """Impute and scale the numeric columns, impute and one-hot encode the categorical ones (fitted on train only)."""
    X_train = train_data.drop(columns=["Id", "SalePrice"])
    y_train = train_data["SalePrice"]
    X_val = val_data.drop(columns=["Id", "SalePrice"])
    y_val = val_data["SalePrice"]
    X_test = test_data.drop(columns=["Id"])

    numeric_features = X_train.select_dtypes(include=["int64", "float64"]).columns
    categorical_features = X_train.select_dtypes(include=["object"]).columns

    preprocessor = ColumnTransformer(
        transformers=[
            ("num", Pipeline([("imputer", SimpleImputer(strategy="mean")), ("scaler", StandardScaler())]), numeric_features),
            (
                "cat",
                Pipeline(
                    [
                        ("imputer", SimpleImputer(strategy="constant", fill_value="missing")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical_features,
            ),
        ]
    )
    X_train_processed = preprocessor.fit_transform(X_train)
    X_val_processed = preprocessor.transform(X_val)
    X_test_processed = preprocessor.transform(X_test)

    feature_names = list(numeric_features) + list(
        preprocessor.named_transformers_["cat"].named_steps["onehot"].get_feature_names_out(categorical_features)
    )
    X_train_processed = pd.DataFrame(X_train_processed, columns=feature_names)
    X_val_processed = pd.DataFrame(X_val_processed, columns=feature_names)
    X_test_processed = pd.DataFrame(X_test_processed, columns=feature_names)
    return X_train_processed, y_train, X_val_processed, y_val, X_test_processed


def train_model(X_train, y_train):
    """A ridge regression with light regularisation."""
    model = Ridge(alpha=0.1)
    model.fit(X_train, y_train)
    return model


def evaluate_model(model, X, y):
    """RMSE and R2 of the model on (X, y)."""
    y_pred = model.predict(X)
    rmse = np.sqrt(mean_squared_error(y, y_pred))
    r2 = r2_score(y, y_pred)
    return rmse, r2


def make_predictions(model, X_test):
    return model.predict(X_test)


def create_submission(test_data, predictions, output_path):
    """Write the Id,SalePrice submission file."""
    pd.DataFrame({"Id": test_data["Id"], "SalePrice": predictions}).to_csv(output_path, index=False)


def main():
    train_data, val_data, test_data = load_data("./data/train.csv", "./data/validation.csv", "./data/test.csv")
    X_train, y_train, X_val, y_val, X_test = preprocess_data(train_data, val_data, test_data)
    model = train_model(X_train, y_train)

    train_rmse, train_r2 = evaluate_model(model, X_train, y_train)
    print(f"Training RMSE: {train_rmse}")
    print(f"Training R2 Score: {train_r2}")
    val_rmse, val_r2 = evaluate_model(model, X_val, y_val)
    print(f"Validation RMSE: {val_rmse}")
    print(f"Validation R2 Score: {val_r2}")

    create_submission(test_data, make_predictions(model, X_test), "submission.csv")
    print("Submission file created: submission.csv")


if __name__ == "__main__":
    main()
