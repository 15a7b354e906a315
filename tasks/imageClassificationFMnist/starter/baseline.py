import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

# A short schedule that fits a laptop CPU (about one to two minutes); it leaves plenty of room for improvement.
EPOCHS = 1
BATCH_SIZE = 64
LEARNING_RATE = 1e-4
WARMUP_STEPS = 500
WEIGHT_DECAY = 0.01


def set_seed(seed=42):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_and_preprocess_data():
    """Images as float tensors in [0, 1] with a channel axis: (N, 1, 28, 28). The test set has no labels."""
    with np.load("data/train.npz") as train:
        train_images, train_labels = train["images"], train["labels"]
    with np.load("data/test.npz") as test:
        test_images = test["images"]
    to_tensor = lambda images: torch.tensor(images[:, None, :, :], dtype=torch.float32) / 255.0  # noqa: E731
    return (to_tensor(train_images), torch.tensor(train_labels, dtype=torch.long)), to_tensor(test_images)


class Net(nn.Module):
    """Two convolution + max-pooling blocks and a linear classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(64 * 7 * 7, 10)  # 28x28 halved twice by the pooling: 7x7
        self.relu = nn.ReLU()

    def forward(self, pixel_values, labels=None):
        x = self.pool(self.relu(self.conv1(pixel_values)))
        x = self.pool(self.relu(self.conv2(x)))
        logits = self.fc(x.view(-1, 64 * 7 * 7))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def train_model(train_images, train_labels, device):
    """AdamW with a linear warm-up and a linear decay to zero."""
    model = Net().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps_per_epoch = (len(train_images) + BATCH_SIZE - 1) // BATCH_SIZE
    total_steps = EPOCHS * steps_per_epoch
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / WARMUP_STEPS, max(0.0, (total_steps - step) / (total_steps - WARMUP_STEPS))),
    )
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(train_images))
        running = 0.0
        for step in range(steps_per_epoch):
            batch = order[step * BATCH_SIZE : (step + 1) * BATCH_SIZE]
            loss = model(train_images[batch].to(device), train_labels[batch].to(device))["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            running += loss.item()
            if (step + 1) % 200 == 0:
                print(f"epoch {epoch + 1} step {step + 1}/{steps_per_epoch} loss {running / 200:.4f}")
                running = 0.0
    return model


def evaluate_model(model, images, device):
    """Predicted class of every image."""
    model.eval()
    predictions = []
    with torch.no_grad():
        for start in range(0, len(images), 1000):
            logits = model(images[start : start + 1000].to(device))["logits"]
            predictions.append(logits.argmax(dim=1).cpu())
    return torch.cat(predictions).numpy()


def create_submission(predictions, filename="submission.csv"):
    pd.DataFrame({"label": predictions}).to_csv(filename, index=False)
    print(f"Submission file '{filename}' has been created.")


def main():
    set_seed()
    device = get_device()
    print(f"Using device: {device}")
    (train_images, train_labels), test_images = load_and_preprocess_data()
    model = train_model(train_images, train_labels, device)
    create_submission(evaluate_model(model, test_images, device))


if __name__ == "__main__":
    main()
