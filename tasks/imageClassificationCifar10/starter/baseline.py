import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

# The original's schedule (10 epochs, batch 64, AdamW at 5e-5 with warm-up and weight decay) in plain PyTorch;
# the warm-up takes at most a quarter of the steps (the small scale has few).
EPOCHS = 10
BATCH_SIZE = 64
LEARNING_RATE = 5e-5
WARMUP_STEPS = 500
WEIGHT_DECAY = 0.01


def set_seed(seed=42):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def get_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_and_preprocess_data():
    """Images as float tensors in [0, 1], channels first: (N, 3, 32, 32). The test set has no labels."""
    with np.load("data/train.npz") as train:
        train_images, train_labels = train["images"], train["labels"]
    with np.load("data/test.npz") as test:
        test_images = test["images"]
    to_tensor = lambda images: torch.tensor(images, dtype=torch.float32).permute(0, 3, 1, 2).contiguous() / 255.0  # noqa: E731
    return (to_tensor(train_images), torch.tensor(train_labels, dtype=torch.long)), to_tensor(test_images)


class Net(nn.Module):
    """Two convolution + max-pooling blocks and a linear classifier."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(64 * 8 * 8, 10)  # 32x32 halved twice by the pooling: 8x8
        self.relu = nn.ReLU()

    def forward(self, pixel_values, labels=None):
        x = self.pool(self.relu(self.conv1(pixel_values)))
        x = self.pool(self.relu(self.conv2(x)))
        logits = self.fc(x.view(-1, 64 * 8 * 8))
        loss = F.cross_entropy(logits, labels) if labels is not None else None
        return {"loss": loss, "logits": logits}


def train_model(train_images, train_labels, device):
    """AdamW with a linear warm-up and a linear decay to zero."""
    model = Net().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps_per_epoch = (len(train_images) + BATCH_SIZE - 1) // BATCH_SIZE
    total_steps = EPOCHS * steps_per_epoch
    warmup = min(WARMUP_STEPS, total_steps // 4)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total_steps - step) / (total_steps - warmup))),
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
        print(f"epoch {epoch + 1}/{EPOCHS} loss {running / steps_per_epoch:.4f}")
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
